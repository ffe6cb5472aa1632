//! Problem codes: the `code` of a problem, with its status and its `detail` text.

use super::catalogue;

catalogue! {
    /// Every problem the service answers with.
    Code {
        // 400
        ValidationFailed = "validation_failed", 400, [],
            "One or more fields are invalid.", "一个或多个字段无效。";
        /// A CHECK constraint the validation did not foresee.
        ValueNotAllowed = "validation_failed", 400, [],
            "A value is outside what is allowed.", "某个值超出允许范围。";
        /// A FOREIGN KEY the validation did not foresee.
        ReferenceMissing = "validation_failed", 400, [],
            "A referenced record does not exist.", "引用的记录不存在。";
        MalformedRequest = "malformed_request", 400, [],
            "Could not read the request body.", "无法读取请求体。";
        MalformedJson = "malformed_request", 400, ["line", "column"],
            "The body is not valid JSON (line {line}, column {column}).",
            "请求体不是有效的 JSON（第 {line} 行第 {column} 列）。";
        MalformedFields = "malformed_request", 400, [],
            "One or more fields could not be read.", "一个或多个字段无法解析。";
        MalformedQuery = "malformed_request", 400, [],
            "The query string has an invalid parameter.", "查询参数无效。";
        MalformedPath = "malformed_request", 400, [],
            "The path has an invalid parameter.", "路径参数无效。";
        MalformedText = "malformed_request", 400, [],
            "Text must not contain NUL or invalid characters.", "文本不得包含 NUL 或无效字符。";
        ImportNotJsonArray = "malformed_request", 400, [],
            "Send a JSON array of staff objects.", "请求体须为人员对象组成的 JSON 数组。";
        ImportNotUtf8 = "malformed_request", 400, [],
            "The CSV is not UTF-8.", "CSV 文件须为 UTF-8 编码。";
        ImportNotXlsx = "malformed_request", 400, [],
            "The file is not a readable XLSX workbook.", "文件不是可读取的 XLSX 工作簿。";
        UnknownField = "unknown_field", 400, ["field"],
            "Unknown field `{field}`.", "未知字段 `{field}`。";
        // 401
        Unauthorized = "unauthorized", 401, [],
            "Missing, invalid or expired credentials.", "缺少凭据，或凭据无效、已过期。";
        InvalidCredentials = "invalid_credentials", 401, [],
            "Center code, employee number or password is wrong.", "中心代码、工号或密码错误。";
        InvalidRefreshToken = "invalid_refresh_token", 401, [],
            "The refresh token is unknown, expired or revoked. Log in again.",
            "刷新令牌无效、已过期或已撤销，请重新登录。";
        RefreshTokenReused = "refresh_token_reused", 401, [],
            "This refresh token was already used; the session has been revoked. Log in again.",
            "该刷新令牌已被使用，会话已撤销，请重新登录。";
        UnknownStaffClaim = "unknown_staff_claim", 401, [],
            "Your identity provider account names no active staff member of this center: ask the center office to check your employee number.",
            "您的统一身份认证账号未对应本中心的在职人员，请联系中心办公室核对工号。";
        // 403
        Forbidden = "forbidden", 403, [],
            "Your role does not allow this action.", "您的角色无权执行此操作。";
        NotALeader = "not_a_leader", 403, [],
            "Only department leaders file sit-in plans and patterns (an office admin may name the leader with `leader_id`).",
            "只有部门领导可以填报坐班计划和固定坐班日（办公室管理员可用 `leader_id` 指定领导）。";
        NotOnDuty = "not_on_duty", 403, [],
            "Only the person on duty can hand this duty over.", "只有当班人员才能申请顶岗。";
        NotOnDutyFirstDuty = "not_on_duty", 403, [],
            "The first duty is not yours.", "第一个值班不是您的。";
        OwnRequest = "own_request", 403, [],
            "Nobody decides on their own request: another office admin (or supervisor on duty) must.",
            "不能审批本人的申请，须由其他办公室管理员（或当班督导员）决定。";
        PersonalDataNotAllowed = "personal_data_not_allowed", 403, [],
            "Only office admins may export citizens' clear names and phone numbers.",
            "只有办公室管理员可以导出群众的完整姓名和电话。";
        // 404, 405
        NotFound = "not_found", 404, [],
            "The resource does not exist.", "资源不存在。";
        MethodNotAllowed = "method_not_allowed", 405, ["methods"],
            "This resource accepts only: {methods}.", "该资源仅支持：{methods}。";
        // 409
        AlreadyExists = "already_exists", 409, [],
            "A record with the same unique value already exists.", "已存在具有相同唯一值的记录。";
        ConcurrentUpdate = "concurrent_update", 409, [],
            "A concurrent change won; retry the request.", "并发修改冲突，请重试。";
        IdempotencyInProgress = "idempotency_in_progress", 409, [],
            "A request with this Idempotency-Key is still being processed. Retry shortly.",
            "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。";
        InvalidState = "invalid_state", 409, ["status"],
            "Not possible while the request is {status}.", "请求当前状态（{status}）下不能执行此操作。";
        DepartmentCodeTaken = "department_code_taken", 409, [],
            "Another department of this center already has this code.", "本中心已有部门使用该代码。";
        EmployeeNoTaken = "employee_no_taken", 409, [],
            "Another staff member of this center has this employee number.", "本中心已有人员使用该工号。";
        EmployeeNoTakenInRow = "employee_no_taken", 409, ["row"],
            "Row {row}: another staff member of this center has this employee number.",
            "第 {row} 行：本中心已有人员使用该工号。";
        HolidaysDiffer = "holidays_differ", 409, ["years"],
            "{years} already loaded with other days; nothing was written (give --replace to replace them).",
            "{years} 年已载入不同的节假日安排，未写入任何内容（如需替换请加 --replace）。";
        DraftStale = "draft_stale", 409, ["changes", "id"],
            "The draft is out of date: {changes}. Regenerate it (POST /api/v1/rosters/{id}/regenerate) and publish again.",
            "草稿已过时：{changes}。请重新生成（POST /api/v1/rosters/{id}/regenerate）后再发布。";
        RosterOutOfOrder = "roster_out_of_order", 409, [],
            "A later roster is already published and its rotation does not continue from this one; rosters are published in date order.",
            "之后的值班表已发布，其轮换并非接续本表；值班表须按日期顺序发布。";
        RosterConflicts = "roster_conflicts", 409, [],
            "Some rostered people are now on approved leave or inactive; replace them in the draft first.",
            "部分排班人员已获准请假或已停用，请先在草稿中替换。";
        RosterOverlap = "roster_overlap", 409, [],
            "A published roster already covers part of this period.", "该期间已有部分被已发布的值班表覆盖。";
        RosterPublished = "roster_published", 409, [],
            "The roster is published; change it through substitutions and swaps.",
            "值班表已发布，只能通过顶岗或换班调整。";
        DoubleDuty = "double_duty", 409, [],
            "This person would be on duty twice the same day.", "该人员同一天将值班两次。";
        ChangeOpen = "change_open", 409, [],
            "This duty already has an open substitution or swap request; it must be settled first.",
            "该值班已有未完成的顶岗或换班申请，须先处理完毕。";
        AssignmentChanged = "assignment_changed", 409, [],
            "The duty changed since the request was made (another substitution or swap landed first).",
            "提出申请后该值班已被变更（其他顶岗或换班已先生效）。";
        LeaveOverlapsDuty = "leave_overlaps_duty", 409, ["dates"],
            "The leave overlaps duties on {dates}; arrange a substitute for each first.",
            "请假期间有值班（{dates}），请先为每个值班安排顶岗。";
        // 408, 412, 413, 415
        RequestTimeout = "request_timeout", 408, ["secs"],
            "The request body did not arrive within {secs} seconds.",
            "请求体未在 {secs} 秒内送达。";
        StaleEtag = "stale_etag", 412, [],
            "The resource was changed by someone else (If-Match does not match its ETag). Reload and retry.",
            "资源已被他人修改（If-Match 与 ETag 不符），请刷新后重试。";
        PayloadTooLarge = "payload_too_large", 413, ["limit"],
            "The request body is larger than {limit} bytes.", "请求体超过 {limit} 字节。";
        UnsupportedMediaType = "unsupported_media_type", 415, ["accepted"],
            "Send the body as {accepted}.", "请求体须为 {accepted}。";
        // 422
        IdempotencyKeyReused = "idempotency_key_reused", 422, [],
            "This Idempotency-Key was used for a different request.", "该 Idempotency-Key 已用于另一个请求。";
        WrongPassword = "wrong_password", 422, [],
            "The current password is wrong.", "当前密码错误。";
        CannotDeactivateSelf = "cannot_deactivate_self", 422, [],
            "You cannot deactivate your own account.", "不能停用自己的账号。";
        ImportInvalid = "import_invalid", 422, [],
            "Some rows are invalid; nothing was created.", "部分行无效，未创建任何人员。";
        TooManyRows = "too_many_rows", 422, ["max"],
            "An import takes at most {max} rows.", "一次导入最多 {max} 行。";
        ExportTooLarge = "export_too_large", 422, ["max"],
            "An export holds at most {max} requests; narrow the filters.",
            "一次导出最多 {max} 条诉求，请缩小筛选范围。";
        DateInFuture = "date_in_future", 422, [],
            "A sit-in can only be recorded on or after its day.", "坐班情况只能在当天或之后登记。";
        /// An office admin named (`leader_id`) someone who is not a leader.
        NamedNotALeader = "not_a_leader", 422, [],
            "This staff member is not an active leader of a department.", "该人员不是在职的部门领导。";
        PatternGivesNoDay = "pattern_gives_no_day", 422, [],
            "The hall is closed on every pattern weekday of this week; name the days instead.",
            "本周固定坐班日大厅均不办公，请直接填写坐班日期。";
        HolidaysNotLoaded = "holidays_not_loaded", 422, ["years"],
            "No statutory holidays are loaded for {years}: their holidays (New Year's Day, the Spring Festival, …) would be scheduled as working days. Load the State Council's schedule (`dutydesk load-holidays`), enter the days as calendar overrides, or confirm with `confirm_missing_holidays: true`.",
            "尚未载入 {years} 年的法定节假日：元旦、春节等假日将被排为工作日。请载入国务院节假日安排（dutydesk load-holidays）、在日历中设置这些日期，或以 confirm_missing_holidays: true 确认。";
        BelowMinimum = "below_minimum", 422, ["dates"],
            "Fewer people than supervisors_per_day on {dates}: replace people in the draft, or confirm these days in `confirm_short_days`.",
            "以下日期值班人数少于每日值班人数：{dates}。请在草稿中调整，或在 confirm_short_days 中逐日确认。";
        NotEligible = "not_eligible", 422, [],
            "This person does not take supervisor duty (not in any department queue).",
            "该人员不参加督导值班（不在任何部门队列中）。";
        OnLeave = "on_leave", 422, [],
            "This person is on approved leave that day.", "该人员当天已获准请假。";
        AlreadyOnDuty = "already_on_duty", 422, [],
            "This person is already on duty that day.", "该人员当天已在值班。";
        DutyInPast = "duty_in_past", 422, [],
            "This duty day has passed.", "该值班日已过。";
        HasSubstitute = "has_substitute", 422, [],
            "A duty with a registered substitute cannot be swapped.", "已登记顶岗的值班不能换班。";
        SameDay = "same_day", 422, [],
            "Swap duties of two different people on two different days.", "换班须为两人在不同日期的值班。";
        /// A replacement puts someone of another department on a day that is not their
        /// department's turn (R2); `{breaches}` names every rule broken, `{rules}` the
        /// confirmations needed. The code is the first rule broken.
        OtherDepartment = "other_department", 422, ["breaches", "rules"],
            "{breaches}. To put this person in anyway, confirm with \"confirm\": [{rules}].",
            "{breaches}。如仍要安排，请在 confirm 中确认：{rules}。";
        /// A replacement has someone serve on consecutive working days (R2), and no other
        /// department breach comes first.
        ConsecutiveDays = "consecutive_days", 422, ["breaches", "rules"],
            "{breaches}. To put this person in anyway, confirm with \"confirm\": [{rules}].",
            "{breaches}。如仍要安排，请在 confirm 中确认：{rules}。";
        /// A checkpoint posted for verification whose Ed25519 signature is not the service's.
        CheckpointSignatureInvalid = "checkpoint_signature_invalid", 422, ["seq"],
            "The checkpoint at seq {seq} does not carry a valid signature of this service.",
            "序号 {seq} 的检查点签名无效，不是本服务签发的。";
        /// A checkpoint posted for verification that belongs to another center's trail.
        CheckpointOtherCenter = "checkpoint_other_center", 422, ["seq"],
            "The checkpoint at seq {seq} belongs to another center's trail.",
            "序号 {seq} 的检查点属于其他中心的审计记录。";
        // 429, 500, 503
        TooManyAttempts = "too_many_attempts", 429, [],
            "Too many failed attempts. Try again later.", "失败次数过多，请稍后再试。";
        /// Too many wrong passwords from this client address (for this account, or for all
        /// accounts): the attempt is refused unchecked until `Retry-After` has passed.
        LoginThrottled = "login_throttled", 429, [],
            "Too many wrong passwords from your address. Wait for the time given in Retry-After, then try again; an office admin can lift the delay.",
            "您所在地址的密码错误次数过多。请按 Retry-After 所示时间等待后再试；办公室管理员可解除限制。";
        InternalError = "internal_error", 500, [],
            "An unexpected error occurred.", "发生意外错误。";
        RotationStateCorrupt = "rotation_state_corrupt", 500, [],
            "The rotation state stored with a published roster cannot be read; the office must repair it before generating.",
            "已发布值班表保存的轮换状态无法读取，须由管理员修复后再生成。";
        /// The database is down, restarting or out of reach, or a query was cut off when it went
        /// away (always with `Retry-After`). A write cut off this way either committed or left no
        /// trace; its retry with the same `Idempotency-Key` replays or runs it, once.
        DatabaseUnavailable = "database_unavailable", 503, [],
            "The database is unavailable for a moment. Try again after the time given in Retry-After; a write retried with the same Idempotency-Key takes effect only once.",
            "数据库暂时不可用。请按 Retry-After 所示时间后重试；使用相同 Idempotency-Key 重试的写操作只会生效一次。";
        /// The instance cannot vouch that its record of revoked tokens is fresh (its listener lost
        /// the database for longer than the staleness bound): answered instead of 401 so that
        /// clients retry rather than log out.
        RevocationStateUnknown = "revocation_state_unknown", 503, [],
            "This server cannot confirm right now whether your sign-in is still valid. Try again shortly.",
            "服务器暂时无法确认您的登录是否仍然有效，请稍后重试。";
        /// Every password-checking slot is taken (a login flood): refused at once, see `Retry-After`.
        Busy = "busy", 503, [],
            "The service is busy checking other passwords. Try again in a moment.",
            "服务正忙于校验其他密码，请稍后重试。";
        // The duty day on the hall floor (check-in, R7)
        /// A write for a duty day by someone who is not one of its supervisors (after substitutions).
        NotOnDutyThatDay = "not_on_duty", 403, ["date"],
            "You are not on duty on {date} (after substitutions): only that day's supervisors may write its records.",
            "您不是 {date} 的值班督导员（按顶岗后计）：只有当天值班的督导员才能填写当天的记录。";
        AlreadyCheckedIn = "already_checked_in", 409, ["received_at"],
            "You already checked in for this day (received {received_at}).",
            "您今天已签到（接收时间 {received_at}）。";
        CheckInNotToday = "check_in_not_today", 422, ["date", "today"],
            "A check-in is only for the center's today ({today}), not {date}.",
            "只能为中心的当天（{today}）签到，不能为 {date} 签到。";
        DutyDayNotWorking = "not_working_day", 422, ["date"],
            "The hall is closed on {date}: duty does not run that day.",
            "{date} 大厅不办公，当天不值班。";
        DutyDayNotStarted = "duty_day_not_started", 422, ["date"],
            "The duty day {date} has not started yet: its records are written on the day.",
            "{date} 的值班日尚未开始：当天的记录须在当天填写。";
        DutyDayClosed = "duty_day_closed", 409, ["date", "until"],
            "The duty day {date} closed for writing at {until}; the office corrects it through an amendment.",
            "{date} 的值班日已于 {until} 停止填写；如需更正，由中心办公室以更正记录的方式修改。";
        ObservedInFuture = "observed_in_future", 422, ["skew_seconds"],
            "observed_at is later than the server's time (more than {skew_seconds} seconds ahead): check the phone's clock.",
            "observed_at 晚于服务器时间（超前 {skew_seconds} 秒以上），请检查手机时间。";
        ObservedBeforeDay = "observed_before_day", 422, ["date"],
            "observed_at is before the start of {date} in the center's time zone.",
            "observed_at 早于中心时区 {date} 当天的开始。";
        // Attachments, inspections and rectification (R4.1, R5, R25)
        /// An upload over `DUTYDESK_ATTACHMENT_LIMIT_BYTES`.
        AttachmentTooLarge = "attachment_too_large", 413, ["limit"],
            "An attachment may have at most {limit} bytes.", "附件最多 {limit} 字节。";
        /// The bytes are not a JPEG, PNG or PDF file.
        AttachmentTypeUnsupported = "unsupported_attachment_type", 415, [],
            "The file is not a JPEG, PNG or PDF (its type is decided from its bytes).",
            "文件不是 JPEG、PNG 或 PDF（按文件内容判断类型）。";
        /// The declared `Content-Type` is not what the bytes are.
        AttachmentTypeMismatch = "unsupported_attachment_type", 415, ["declared", "detected"],
            "The body is {detected} but was sent as {declared}.",
            "文件内容为 {detected}，但请求声明为 {declared}。";
        /// An attachment id that does not exist, is of another center or was uploaded by someone else.
        AttachmentUnavailable = "attachment_unavailable", 422, ["id"],
            "Attachment {id} does not exist or was not uploaded by you.",
            "附件 {id} 不存在或不是您上传的。";
        /// A photo that is not an image.
        AttachmentNotImage = "attachment_not_image", 422, ["id"],
            "Attachment {id} is not a photo (JPEG or PNG).", "附件 {id} 不是照片（JPEG 或 PNG）。";
        /// The portal's uploads waiting for a request are at the limit.
        AttachmentQuotaExceeded = "attachment_quota_exceeded", 429, ["limit"],
            "You have {limit} uploads of the last day that no request references yet: reference them from a request, or wait.",
            "您最近一天内已有 {limit} 个尚未被任何请求引用的上传文件：请先在请求中引用，或稍后再试。";
        /// A stored attachment sealed under a key that is no longer configured.
        AttachmentKeyUnknown = "attachment_key_unknown", 500, ["key_id"],
            "The attachment was encrypted under key {key_id}, which is no longer configured: the operator must add it back to DUTYDESK_PII_KEYS.",
            "该附件以密钥 {key_id} 加密，而该密钥已不在配置中：须由运维人员将其加回 DUTYDESK_PII_KEYS。";
        /// Stored attachment bytes that do not authenticate.
        AttachmentCorrupt = "attachment_corrupt", 500, ["id"],
            "The stored bytes of attachment {id} fail their integrity check (altered in the database): they are not served.",
            "附件 {id} 的存储内容未通过完整性校验（数据库中的内容被改动），不予提供。";
        /// A rectification deadline whose working days the calendar cannot count.
        DeadlineHolidaysNotLoaded = "holidays_not_loaded", 422, ["years"],
            "No statutory holidays are loaded for {years}: the rectification deadline cannot be counted in working days. The office loads the State Council's schedule first (`dutydesk load-holidays`).",
            "尚未载入 {years} 年的法定节假日，无法按工作日计算整改期限。请先由办公室载入国务院节假日安排（dutydesk load-holidays）。";
        DoorCheckAlreadyRecorded = "door_check_already_recorded", 409, ["item", "received_at"],
            "The door check {item} of this day is already recorded (received {received_at}); the office corrects it through an amendment.",
            "当天的门岗检查项 {item} 已有记录（接收时间 {received_at}）；如需更正，由中心办公室以更正记录的方式修改。";
        NothingToAmend = "nothing_to_amend", 422, [],
            "The amendment changes nothing: give a new observed_at, note or late.",
            "该更正未改变任何内容：请提供新的 observed_at、note 或 late。";
        // Attendance and the duty log (R4.5, R8, R13, R22)
        IfMatchRequired = "if_match_required", 428, [],
            "The record exists: send If-Match with the ETag you last read, so that no one's change is overwritten.",
            "该记录已存在：请在 If-Match 中提供您最近读取的 ETag，以免覆盖他人的修改。";
        AttendanceFrozen = "attendance_frozen", 409, ["date"],
            "The duty log of {date} is submitted, so its attendance is frozen; correct it through an amendment.",
            "{date} 的值班日志已提交，考勤已锁定；如需更正，请提交更正记录。";
        LogSubmitted = "log_submitted", 409, ["date"],
            "The duty log of {date} is submitted and can no longer be edited; correct it through an amendment.",
            "{date} 的值班日志已提交，不能再编辑；如需更正，请提交更正记录。";
        LogNotStarted = "log_not_started", 409, ["date"],
            "No duty log has been written for {date} yet.", "{date} 尚未填写值班日志。";
        LogNotSubmitted = "log_not_submitted", 409, ["date"],
            "The duty log of {date} has not been submitted yet.", "{date} 的值班日志尚未提交。";
        LogAcknowledged = "log_acknowledged", 409, ["date"],
            "The office already acknowledged the duty log of {date}.", "中心办公室已签收 {date} 的值班日志。";
        FaultRepaired = "fault_repaired", 409, [],
            "This facility fault is already recorded as repaired.", "该设施故障已登记为修复。";
        // The handover (R8, R12)
        HandoverExists = "handover_exists", 409, ["date", "id", "made_at"],
            "The handover of {date} was already made (at {made_at}); replace its notes with PUT /api/v1/handovers/{id}/notes until its receipt is confirmed.",
            "{date} 的交接已于 {made_at} 办理；在接班人确认前，可用 PUT /api/v1/handovers/{id}/notes 修改交接事项。";
        HandoverNoNextDuty = "handover_no_next_duty", 422, ["date", "next"],
            "No duty is published for {next}, the next working day after {date}: nobody can receive the handover until the office publishes that day's roster.",
            "{date} 之后的下一个工作日 {next} 尚未发布值班安排：中心办公室发布当天值班表之前，无人可以接班。";
        HandoverNextDayUnknown = "handover_next_day_unknown", 422, ["date", "years"],
            "No statutory holidays are loaded for {years}, so the next working day after {date} is not known. Load the State Council's schedule (`dutydesk load-holidays`) first.",
            "尚未载入 {years} 年的法定节假日，无法确定 {date} 之后的下一个工作日。请先载入国务院节假日安排（dutydesk load-holidays）。";
        HandoverConfirmationStarted = "handover_confirmation_started", 409, [],
            "The receiving duty has started confirming this handover: its notes can no longer be replaced.",
            "接班人员已开始确认本次交接，交接事项不能再修改。";
        // Citizens' requests (R18-R23)
        CenterNotServed = "center_not_served", 403, ["center_code"],
            "You may not submit to center {center_code}: a portal token lists the centers it serves, and staff submit to their own center.",
            "您无权向中心 {center_code} 提交：门户令牌只能提交到其列明的中心，工作人员只能提交到本中心。";
        // The workflow of citizens' requests (R13, R18, R19)
        FindingRequired = "finding_required", 422, [],
            "A complaint about a staff member ends with a finding: give `finding` (substantiated or not, with the reason).",
            "针对工作人员的投诉须给出调查结论：请填写 finding（是否属实及理由）。";
        FindingNotApplicable = "finding_not_applicable", 422, [],
            "Only a complaint about a staff member takes a finding.",
            "只有针对工作人员的投诉才能填写调查结论。";
        AlreadyOwner = "already_owner", 422, [],
            "This staff member already owns the request: hand it on to someone else.",
            "该人员已负责此诉求，请转交他人。";
        ForwardNoDepartment = "forward_no_department", 422, [],
            "Forward to a staff member of the responsible department: this person belongs to no department.",
            "请转交给责任部门的工作人员：该人员不属于任何部门。";
        EscalateNotLeader = "escalate_not_leader", 422, [],
            "Escalate to a leader: a department leader or an office admin.",
            "请上报给领导：部门领导或中心办公室管理员。";
        /// A citizen's lookup with an unknown tracking number or a wrong code (the same answer for both).
        LookupFailed = "lookup_failed", 404, [],
            "No request matches this tracking number and verification code. Check both; after 5 wrong codes the tracking number is locked for 15 minutes.",
            "没有与该受理编号和验证码相符的诉求。请核对两者；验证码连续错误 5 次后，该受理编号将被锁定 15 分钟。";
        // Ratings (好差评, R21)
        AlreadyRated = "already_rated", 409, [],
            "This has already been rated. It can be rated again only after the follow-up of its bad rating is closed.",
            "该事项已评价。仅在差评回访整改办结后才能再次评价。";
        RequestNotAnswered = "request_not_answered", 409, ["state"],
            "Only an answered or closed request can be rated; this one is {state}.",
            "仅已答复或已办结的诉求可以评价，该诉求当前状态为 {state}。";
        RatingLinkUsed = "rating_link_used", 409, [],
            "This rating link has already been used.", "该评价链接已被使用。";
        RatingLinkExpired = "rating_link_expired", 410, [],
            "This rating link has expired: ask the hall for a new one.", "该评价链接已过期，请向大厅工作人员索取新的链接。";
    }
}
