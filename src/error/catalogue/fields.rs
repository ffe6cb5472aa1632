//! Field-error codes: the `code` and `message` of one entry of a problem's `errors` (or of an
//! import's `row_errors`).

use super::catalogue;

catalogue! {
    /// Every field error the service reports.
    FieldCode {
        Required = "required", 0, [],
            "This field is required.", "此字段为必填项。";
        Blank = "required", 0, [],
            "Must not be blank.", "不能为空。";
        RequiredRole = "required", 0, [],
            "Give at least one role.", "至少指定一个角色。";
        RequiredDay = "required", 0, [],
            "Give at least one day.", "至少提供一天。";
        RequiredColumn = "required", 0, [],
            "This column is missing from the header row.", "标题行缺少此列。";
        RequiredPlanDays = "required", 0, [],
            "Name the days: the leader has no weekday pattern.", "请填写坐班日期：该领导没有固定坐班日。";
        RequiredVoidNote = "required", 0, [],
            "Say why the substitution is voided (1–500 characters).", "请说明作废顶岗的理由（1–500 个字符）。";
        TooShort = "too_short", 0, ["min"],
            "Use at least {min} characters.", "至少 {min} 个字符。";
        TooLong = "too_long", 0, ["max"],
            "At most {max} characters.", "最多 {max} 个字符。";
        TooManyDays = "too_long", 0, ["max"],
            "At most {max} days.", "最多 {max} 天。";
        RosterTooLong = "too_long", 0, ["max"],
            "A roster covers at most {max} days.", "一个值班表最多覆盖 {max} 天。";
        RangeTooLong = "range_too_long", 0, ["max"],
            "At most {max} days from `from` to `to`, both included.", "`from` 至 `to`（含两端）最多 {max} 天。";
        TooMany = "too_many", 0, ["max"],
            "At most {max} days per request.", "每次请求最多 {max} 天。";
        Invalid = "invalid", 0, [],
            "This value is invalid.", "该值无效。";
        InvalidCode = "invalid", 0, [],
            "Use 1 to 32 letters, digits, '-', '_' or '.'.", "须为 1 至 32 个字母、数字、'-'、'_' 或 '.'。";
        InvalidItemCode = "invalid", 0, [],
            "Use 1 to 40 lowercase letters a–z or '_'.", "须为 1 至 40 个小写字母 a–z 或 '_'。";
        InvalidPhone = "invalid", 0, [],
            "Not a phone number.", "电话号码格式不正确。";
        InvalidTimeZone = "invalid", 0, [],
            "Not an IANA time zone (e.g. Asia/Shanghai).", "不是有效的 IANA 时区（例如 Asia/Shanghai）。";
        InvalidOverrideKind = "invalid", 0, [],
            "Use one of holiday, makeup_workday, closure, extra_workday (delete the override to restore a workday or weekend).",
            "须为 holiday、makeup_workday、closure、extra_workday 之一（删除覆盖设置即恢复为工作日或周末）。";
        InvalidCursor = "invalid", 0, [],
            "The cursor is not one this service issued.", "游标无效。";
        InvalidIdempotencyKey = "invalid", 0, [],
            "Idempotency-Key must be 1 to 255 visible ASCII characters.", "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符。";
        EndOrCycle = "invalid", 0, [],
            "Give either end or cycle.", "须提供 end 或 cycle 之一。";
        RosterStatus = "invalid", 0, [],
            "Use draft or published.", "须为 draft 或 published。";
        InvalidChoice = "invalid_choice", 0, ["allowed"],
            "Use one of: {allowed}.", "请使用以下值之一：{allowed}。";
        InvalidDate = "invalid_date", 0, [],
            "Expected a valid date in the format YYYY-MM-DD.", "应为 YYYY-MM-DD 格式的有效日期。";
        InvalidDatetime = "invalid_datetime", 0, [],
            "Expected an RFC 3339 date-time with offset, e.g. 2026-01-05T09:00:00+08:00.",
            "应为带时区偏移的 RFC 3339 日期时间，例如 2026-01-05T09:00:00+08:00。";
        InvalidTime = "invalid_time", 0, [],
            "Expected a time in the format HH:MM:SS.", "应为 HH:MM:SS 格式的时间。";
        ExpectedObject = "invalid_type", 0, [], "Expected an object.", "应为对象。";
        ExpectedArray = "invalid_type", 0, [], "Expected an array.", "应为数组。";
        ExpectedText = "invalid_type", 0, [], "Expected a string.", "应为字符串。";
        ExpectedInteger = "invalid_type", 0, [], "Expected an integer.", "应为整数。";
        ExpectedNumber = "invalid_type", 0, [], "Expected a number.", "应为数字。";
        ExpectedBoolean = "invalid_type", 0, [], "Expected true or false.", "应为 true 或 false。";
        ExpectedUuid = "invalid_type", 0, [], "Expected a UUID.", "应为 UUID。";
        ExpectedChoice = "invalid_type", 0, [],
            "Expected one of the allowed values.", "应为允许的取值之一。";
        ExpectedDate = "invalid_type", 0, [], "Expected a date YYYY-MM-DD.", "应为 YYYY-MM-DD 格式的日期。";
        ExpectedDateTime = "invalid_type", 0, [],
            "Expected an RFC 3339 date-time with offset.", "应为带时区偏移的 RFC 3339 日期时间。";
        ExpectedTime = "invalid_type", 0, [], "Expected a time HH:MM:SS.", "应为 HH:MM:SS 格式的时间。";
        ExpectedOther = "invalid_type", 0, [],
            "Expected a value of another type.", "应为其他类型的值。";
        InvalidLength = "invalid_length", 0, [],
            "This list has the wrong number of items.", "该列表的项目数量不正确。";
        UnknownField = "unknown_field", 0, [],
            "This field is not accepted here.", "此处不接受该字段。";
        UnknownFieldAccepted = "unknown_field", 0, ["accepted"],
            "This field is not accepted here; accepted fields: {accepted}.", "此处不接受该字段；可用字段：{accepted}。";
        UnknownColumn = "unknown_field", 0, ["columns"],
            "Unknown column; columns: {columns}.", "未知列；可用列：{columns}。";
        UnknownDepartmentCode = "unknown", 0, [],
            "No active department with this code in your center.", "本中心没有该代码的有效部门。";
        UnknownDepartment = "unknown", 0, [],
            "No active department with this id in your center.", "本中心没有该有效部门。";
        UnknownStaff = "unknown", 0, [],
            "No staff member with this id in your center.", "本中心没有该人员。";
        UnknownQueueStaff = "unknown", 0, [],
            "No active staff member of a department with this id in your center.", "本中心没有该在岗部门人员。";
        UnknownDuty = "unknown", 0, [],
            "No published duty with this id in your center.", "本中心没有该已发布值班。";
        UnknownDoorCheckItem = "unknown", 0, [],
            "No active door-check item with this code in your center.", "本中心没有该代码的有效门岗检查项。";
        DuplicateItemCode = "duplicate", 0, [],
            "Each code appears once in the list.", "每个代码在列表中只能出现一次。";
        UnknownHandoverItem = "unknown", 0, [],
            "Not an item of this handover.", "不是本次交接的事项。";
        DuplicateEmployeeNo = "duplicate", 0, ["row"],
            "Row {row} has the same employee number.", "与第 {row} 行工号重复。";
        DuplicateDate = "duplicate", 0, ["first"],
            "The same date as days[{first}].", "与 days[{first}] 日期重复。";
        DuplicateWeekday = "duplicate", 0, [],
            "The weekday is named twice.", "该工作日重复。";
        DuplicateDay = "duplicate", 0, [],
            "The day is named twice.", "该日期重复。";
        DuplicateDepartment = "duplicate", 0, [],
            "Each department appears once in the order.", "每个部门在顺序中只能出现一次。";
        DuplicateChoice = "duplicate", 0, [],
            "Each person appears once in the choices.", "每个人员在选择中只能出现一次。";
        EmployeeNoTaken = "taken", 0, [],
            "Another staff member of this center has this employee number.", "本中心已有人员使用该工号。";
        OutOfRange = "out_of_range", 0, ["min", "max"],
            "Must be between {min} and {max}.", "须在 {min} 到 {max} 之间。";
        YearOutOfRange = "out_of_range", 0, ["min", "max"],
            "The year must be between {min} and {max}.", "年份须在 {min} 到 {max} 年之间。";
        WeekOutOfRange = "out_of_range", 0, ["weeks"],
            "The week must be within {weeks} weeks of the current week.", "周须在本周前后 {weeks} 周以内。";
        WeekdayOutOfRange = "out_of_range", 0, [],
            "Use ISO weekday numbers 1 (Monday) to 5 (Friday).", "须为 1（周一）至 5（周五）。";
        DateOutOfRange = "out_of_range", 0, [],
            "Date out of range.", "日期超出范围。";
        BeforeFrom = "before_from", 0, [],
            "`to` must not be before `from`.", "`to` 不得早于 `from`。";
        BeforeStart = "before_start", 0, [],
            "end must not be before start.", "结束日期不得早于开始日期。";
        BeforeOpening = "before_opening", 0, [],
            "Closing time must be after opening time.", "关门时间须晚于开门时间。";
        AfterOpening = "after_opening", 0, [],
            "Duty must start no later than opening time.", "值班开始时间不得晚于开门时间。";
        BeforeClosing = "before_closing", 0, [],
            "Duty must end no earlier than closing time.", "值班结束时间不得早于关门时间。";
        NotMonday = "not_monday", 0, [],
            "A week is named by its Monday.", "周须以其星期一的日期表示。";
        NotWorkingDay = "not_working_day", 0, [],
            "The hall is closed that day (weekend, holiday or closure).", "该日大厅不办公（周末、节假日或停业）。";
        OutsideWeek = "outside_week", 0, [],
            "The day is not within Monday–Sunday of the plan's week.", "该日期不在计划所属周（周一至周日）内。";
        WeekdaysLength = "length", 0, [],
            "Name 1 to 5 weekdays.", "须填 1 至 5 个工作日。";
        PlanDaysLength = "length", 0, [],
            "Name 1 to 7 days, or omit `days` to use the weekday pattern.", "须填 1 至 7 天，或省略 `days` 以使用固定坐班日。";
        NotALeader = "not_a_leader", 0, [],
            "This staff member is not an active leader of a department.", "该人员不是在职的部门领导。";
        Unconfirmed = "unconfirmed", 0, ["dates"],
            "Not confirmed: {dates}.", "未确认：{dates}。";
        OtherDepartment = "other_department", 0, ["person", "own", "turn"],
            "{person} belongs to {own}, but this day is {turn}'s turn in the rotation.",
            "{person}属于{own}，但当天轮到{turn}值班。";
        ConsecutiveDays = "consecutive_days", 0, ["person", "dates"],
            "{person} is on duty on {dates} as well, so would serve on consecutive working days.",
            "{person}在{dates}也值班，将连续值班。";
        SamePerson = "same_person", 0, [],
            "The substitute must be someone else.", "顶岗人员须为他人。";
        RequiredForProblem = "required", 0, [],
            "Required when the result is a problem.", "结果为问题时此字段为必填项。";
        OnlyForProblem = "not_allowed", 0, [],
            "Only a problem takes this field (the result is ok).", "只有结果为问题时才可填写此字段（当前结果为正常）。";
        TooManyItems = "too_many", 0, ["max"],
            "At most {max} items.", "最多 {max} 项。";
        DuplicateItem = "duplicate", 0, [],
            "The same item is named twice.", "同一项目重复。";
        StandInSelf = "same_person", 0, [],
            "The stand-in must be someone else.", "代行人员须为他人。";
        UnknownFrontDesk = "unknown", 0, [],
            "No active front-desk staff member (window role) with this id in your center.",
            "本中心没有该在岗窗口工作人员。";
        UnknownCenter = "unknown", 0, [],
            "No center has this code.", "没有该代码的中心。";
        RequiredExceptConsultation = "required", 0, [],
            "Required except for consultations.", "除咨询外，此字段为必填项。";
        ChannelOfStaff = "not_allowed", 0, [],
            "Staff record visits, calls and letters (visit, phone, letter).",
            "工作人员登记来访、来电和来信（visit、phone、letter）。";
        ChannelOfPortal = "not_allowed", 0, [],
            "The portal submits portal or mobile requests (portal, mobile).",
            "门户只能提交网上或移动端诉求（portal、mobile）。";
        RequiredForConcerns = "required", 0, ["concerns"],
            "Required when the request concerns a {concerns}.", "诉求涉及对象为 {concerns} 时此字段为必填项。";
        NotForConcerns = "not_allowed", 0, ["concerns"],
            "Not taken when the request concerns a {concerns}.", "诉求涉及对象为 {concerns} 时不能填写此字段。";
        UnknownActiveStaff = "unknown", 0, [],
            "No active staff member with this id in your center.", "本中心没有该在岗人员。";
        DuplicateStaff = "duplicate", 0, ["first"],
            "The same staff member as entries[{first}].", "与 entries[{first}] 为同一人员。";
        MinutesRequired = "required", 0, [],
            "Give the minutes late or left early.", "请填写迟到或早退的分钟数。";
        MinutesNotAllowed = "not_allowed", 0, [],
            "Minutes are given only for late or left_early.", "仅迟到（late）或早退（left_early）可填写分钟数。";
        StandInNotAllowed = "not_allowed", 0, [],
            "A stand-in is named only for an absent person.", "仅缺勤（absent）人员可指定代行人员。";
        InFuture = "in_future", 0, [],
            "Must not be later than the server's time.", "不得晚于服务器时间。";
        BeforeReported = "before_reported", 0, [],
            "Must not be before the fault was reported.", "不得早于故障报修时间。";
        NothingToAmend = "required", 0, [],
            "Give at least one field to change.", "至少提供一个要更正的字段。";
        OneRatingSubject = "required", 0, [],
            "Give exactly one of request_id and service.", "request_id 与 service 须且只能填写其一。";
    }
}
