//! Phrases: pieces of text that fill a parameter of a problem (e.g. the reasons a draft is stale,
//! listed in `draft_stale`'s `{changes}`), so that composed texts come from the catalogue too.

use super::catalogue;

catalogue! {
    /// Every phrase a problem's text is composed of.
    Phrase {
        PreviousRosterChanged = "previous_roster_changed", 0, [],
            "the roster before this period changed (another roster was published), so the rotation continues from a different point",
            "本期之前的值班表已变化（另一值班表已发布），轮换的起点不同";
        WorkingDaysChanged = "working_days_changed", 0, ["dates"],
            "working days changed on {dates}", "工作日已变化：{dates}";
        PeopleChanged = "people_changed", 0, ["dates"],
            "who can serve changed (leave, deactivation or rotation settings) on {dates}",
            "可值班人员已变化（请假、停用或轮换设置）：{dates}";
    }
}
