//! States of substitution, swap and leave requests and the moves between them. Pure.

/// Substitutions (顶岗, R6) and swaps share one life cycle: the other person agrees, then the
/// office registers (备案). The requester may cancel and the office may reject while open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Accept,
    Decline,
    Register,
    Reject,
    Cancel,
}

/// The state after `m` from `status`, or None when the move is not allowed there.
pub fn next(status: &str, m: Move) -> Option<&'static str> {
    match (status, m) {
        ("proposed", Move::Accept) => Some("accepted"),
        ("proposed", Move::Decline) => Some("declined"),
        ("accepted", Move::Register) => Some("registered"),
        ("proposed" | "accepted", Move::Reject) => Some("rejected"),
        ("proposed" | "accepted", Move::Cancel) => Some("cancelled"),
        _ => None,
    }
}

/// Leave (请假、调休, R14): pending until the office decides; the applicant may cancel while pending.
pub fn next_leave(status: &str, m: Move) -> Option<&'static str> {
    match (status, m) {
        ("pending", Move::Register) => Some("approved"),
        ("pending", Move::Reject) => Some("rejected"),
        ("pending", Move::Cancel) => Some("cancelled"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_needs_agreement_before_registration_r6() {
        assert_eq!(next("proposed", Move::Register), None);
        assert_eq!(next("proposed", Move::Accept), Some("accepted"));
        assert_eq!(next("accepted", Move::Register), Some("registered"));
        assert_eq!(next("accepted", Move::Accept), None);
        assert_eq!(next("registered", Move::Cancel), None);
        assert_eq!(next("declined", Move::Register), None);
        assert_eq!(next("accepted", Move::Reject), Some("rejected"));
    }

    #[test]
    fn leave_is_decided_once_r14() {
        assert_eq!(next_leave("pending", Move::Register), Some("approved"));
        assert_eq!(next_leave("approved", Move::Reject), None);
        assert_eq!(next_leave("rejected", Move::Register), None);
        assert_eq!(next_leave("pending", Move::Cancel), Some("cancelled"));
    }
}
