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
        /// A long list of dates, the first ones shown.
        MoreDates = "more_dates", 0, ["dates", "count"],
            "{dates} … ({count} dates)", "{dates} 等，共 {count} 个日期";
        /// Two dates (the working days before and after a day).
        TwoDates = "two_dates", 0, ["first", "second"],
            "{first} and {second}", "{first}和{second}";
        /// A replacement breaks the department rotation (`other_department`).
        BreachOtherDepartment = "breach_other_department", 0, ["person", "own", "turn"],
            "{person} belongs to {own}, but this day is {turn}'s turn in the rotation",
            "{person}属于{own}，但当天轮到{turn}值班";
        /// A replacement has someone serve on consecutive working days (`consecutive_days`).
        BreachConsecutiveDays = "breach_consecutive_days", 0, ["person", "dates"],
            "{person} is on duty on {dates} as well, so would serve on consecutive working days",
            "{person}在{dates}也值班，将连续值班";
    }
}
