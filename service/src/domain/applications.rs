//! Applications per bank (进件 / 放款): which status may follow which, what each status needs,
//! and how the customer's pipeline stage follows its applications. Pure functions, no I/O.

use chrono::NaiveDate;

use crate::domain::vocab::{ApplicationStatus, Stage};

/// A refused value or move, with the field it is about and a Chinese message naming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        field,
        message: message.into(),
    }
}

pub const MAX_WAN: f64 = 100_000.0;
pub const MAX_TEXT_CHARS: usize = 500;
pub const MAX_INSTITUTION_CHARS: usize = 100;

impl ApplicationStatus {
    /// Position on the chain 准备中 → 已进件 → 审批中 → 已批复 → 已放款 → 已结清; None for the
    /// two side exits (已拒绝, 客户放弃).
    pub fn rank(self) -> Option<u8> {
        use ApplicationStatus::*;
        match self {
            Preparing => Some(0),
            Submitted => Some(1),
            Reviewing => Some(2),
            Approved => Some(3),
            Disbursed => Some(4),
            Settled => Some(5),
            Rejected | Withdrawn => None,
        }
    }

    /// Nothing follows: 已结清, 已拒绝, 客户放弃.
    pub fn is_final(self) -> bool {
        use ApplicationStatus::*;
        matches!(self, Settled | Rejected | Withdrawn)
    }

    /// Not yet decided by the lender, so it may still be rejected or withdrawn (准备中 … 已批复).
    pub fn is_open(self) -> bool {
        use ApplicationStatus::*;
        matches!(self, Preparing | Submitted | Reviewing | Approved)
    }

    /// At the lender and under way (已进件, 审批中, 已批复): what makes the customer 申请中.
    pub fn is_in_progress(self) -> bool {
        use ApplicationStatus::*;
        matches!(self, Submitted | Reviewing | Approved)
    }

    /// Money went out (已放款, 已结清).
    pub fn is_disbursed(self) -> bool {
        use ApplicationStatus::*;
        matches!(self, Disbursed | Settled)
    }

    /// The lender said yes (已批复 and what follows it).
    pub fn is_approval(self) -> bool {
        use ApplicationStatus::*;
        matches!(self, Approved | Disbursed | Settled)
    }

    /// The lender decided (yes or no); a withdrawal is no decision.
    pub fn is_decided(self) -> bool {
        self.is_approval() || self == ApplicationStatus::Rejected
    }
}

/// The amounts and dates an application holds after a change, as far as the status rules care.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    pub approved_wan: Option<f64>,
    pub disbursed_wan: Option<f64>,
    pub disbursed_on: Option<NaiveDate>,
}

/// Whether an application may move from `from` to `to`, given its figures after the change and
/// the reason sent with it. The same status is no move (always allowed). Allowed: forward along
/// the chain (steps may be skipped, e.g. 已进件 → 已批复 when the lender answered at once), and from
/// any open status (准备中 … 已批复) to 已拒绝 (a reason is required) or 客户放弃. 已结清, 已拒绝
/// and 客户放弃 are final. 已批复 and later need `approved_wan`; 已放款 and 已结清 need
/// `disbursed_wan` and `disbursed_on`.
pub fn check_transition(
    from: ApplicationStatus,
    to: ApplicationStatus,
    figures: &Figures,
    reason: Option<&str>,
) -> Result<(), Refusal> {
    use ApplicationStatus::*;
    if from != to {
        if from.is_final() {
            return Err(refuse(
                "status",
                format!(
                    "进件已是「{}」，状态不能再改为「{}」",
                    from.label(),
                    to.label()
                ),
            ));
        }
        let allowed = match (from.rank(), to.rank()) {
            (Some(a), Some(b)) => b > a,
            (_, None) => from.is_open(),
            (None, Some(_)) => false,
        };
        if !allowed {
            return Err(refuse(
                "status",
                format!(
                    "状态 status 不能从「{}」改为「{}」（只能向前推进，或在放款前改为已拒绝/客户放弃）",
                    from.label(),
                    to.label()
                ),
            ));
        }
        if to == Rejected && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(refuse("reason", "改为「已拒绝」时须填写拒绝原因 reason"));
        }
    }
    needs(to, figures)
}

/// What a status needs to hold: 已批复 and later the approved amount, 已放款/已结清 the
/// disbursed amount and date.
pub fn needs(status: ApplicationStatus, f: &Figures) -> Result<(), Refusal> {
    use ApplicationStatus::*;
    if matches!(status, Approved | Disbursed | Settled) && f.approved_wan.is_none() {
        return Err(refuse(
            "approved_wan",
            format!(
                "状态「{}」须填写批复金额 approved_wan（万元）",
                status.label()
            ),
        ));
    }
    if status.is_disbursed() {
        if f.disbursed_wan.is_none() {
            return Err(refuse(
                "disbursed_wan",
                format!(
                    "状态「{}」须填写放款金额 disbursed_wan（万元）",
                    status.label()
                ),
            ));
        }
        if f.disbursed_on.is_none() {
            return Err(refuse(
                "disbursed_on",
                format!("状态「{}」须填写放款日期 disbursed_on", status.label()),
            ));
        }
    }
    if let (Some(a), Some(d)) = (f.approved_wan, f.disbursed_wan)
        && d > a + 1e-9
    {
        return Err(refuse(
            "disbursed_wan",
            "放款金额 disbursed_wan 不能高于批复金额 approved_wan",
        ));
    }
    Ok(())
}

/// An amount in 万元: positive and at most 10 亿.
pub fn check_wan(field: &'static str, what: &str, v: f64) -> Result<(), Refusal> {
    if !v.is_finite() || v <= 0.0 || v > MAX_WAN {
        return Err(refuse(
            field,
            format!("{what} {field} 应大于 0 且不超过 {MAX_WAN} 万元"),
        ));
    }
    Ok(())
}

pub fn check_rate(v: f64) -> Result<(), Refusal> {
    if !v.is_finite() || !(0.0..=100.0).contains(&v) {
        return Err(refuse(
            "rate_pct",
            "年化利率 rate_pct 应在 0 到 100（%）之间",
        ));
    }
    Ok(())
}

pub fn check_term(v: i64) -> Result<(), Refusal> {
    if !(1..=600).contains(&v) {
        return Err(refuse(
            "term_months",
            "期限 term_months 应在 1 到 600 个月之间",
        ));
    }
    Ok(())
}

/// A date of something that happened: not after today (the business day, UTC+8).
pub fn check_past(
    field: &'static str,
    what: &str,
    d: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    if d > today {
        return Err(refuse(field, format!("{what} {field} 不能晚于今天")));
    }
    Ok(())
}

/// Trimmed text, empty as none, at most `max` characters.
pub fn clean_text(
    field: &'static str,
    what: &str,
    v: Option<String>,
    max: usize,
) -> Result<Option<String>, Refusal> {
    let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        return Err(refuse(field, format!("{what} {field} 最多 {max} 个字符")));
    }
    Ok(v)
}

/// Why the customer's stage moved, for the audit entry and the user guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMove {
    pub to: Stage,
    pub reason: &'static str,
}

/// How the customer's pipeline stage follows its applications, after one of them changed to
/// `changed_to` (`statuses` holds every application of the customer, the changed one included).
///
/// 1. Any application 已放款 or 已结清 → 已放款 (a disbursement is a fact, whatever the stage was).
/// 2. Else any application 已进件/审批中/已批复 → 申请中, unless the customer is already 已放款.
/// 3. Else, when this change closed the customer's last open application (已拒绝 or 客户放弃) and the
///    stage is 申请中 → 改造中: nothing is at a lender any more, the broker improves the
///    customer's profile and applies again, or marks the customer 已流失 by hand.
/// 4. Otherwise the stage stays as it is: a stage the broker set by hand (改造中, 已流失, …) is
///    never moved down by an application, and 准备中 applications move nothing.
pub fn stage_after(
    current: Stage,
    statuses: &[ApplicationStatus],
    changed_to: ApplicationStatus,
) -> Option<StageMove> {
    let target = if statuses.iter().any(|s| s.is_disbursed()) {
        StageMove {
            to: Stage::Approved,
            reason: "有进件已放款",
        }
    } else if statuses.iter().any(|s| s.is_in_progress()) {
        if current == Stage::Approved {
            return None;
        }
        StageMove {
            to: Stage::Applying,
            reason: "有进件在银行审批中",
        }
    } else if matches!(
        changed_to,
        ApplicationStatus::Rejected | ApplicationStatus::Withdrawn
    ) && current == Stage::Applying
    {
        StageMove {
            to: Stage::Improving,
            reason: "所有进件均已拒绝或客户放弃，回到改造中",
        }
    } else {
        return None;
    };
    (target.to != current).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationStatus::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn full() -> Figures {
        Figures {
            approved_wan: Some(100.0),
            disbursed_wan: Some(80.0),
            disbursed_on: Some(d("2026-03-01")),
        }
    }

    #[test]
    fn forward_moves_are_allowed_and_may_skip_steps() {
        let f = full();
        for (a, b) in [
            (Preparing, Submitted),
            (Submitted, Reviewing),
            (Reviewing, Approved),
            (Approved, Disbursed),
            (Disbursed, Settled),
            (Preparing, Approved),
            (Submitted, Disbursed),
        ] {
            assert_eq!(check_transition(a, b, &f, None), Ok(()), "{a:?} → {b:?}");
        }
    }

    #[test]
    fn backward_moves_and_moves_out_of_final_statuses_are_refused() {
        let f = full();
        for (a, b) in [
            (Submitted, Preparing),
            (Approved, Reviewing),
            (Disbursed, Approved),
            (Settled, Disbursed),
            (Rejected, Submitted),
            (Withdrawn, Preparing),
            (Rejected, Withdrawn),
            (Disbursed, Rejected),
            (Disbursed, Withdrawn),
            (Settled, Rejected),
        ] {
            let e = check_transition(a, b, &f, Some("x")).unwrap_err();
            assert_eq!(e.field, "status", "{a:?} → {b:?}");
        }
    }

    #[test]
    fn every_open_status_may_be_rejected_with_a_reason_or_withdrawn() {
        let none = Figures::default();
        for a in [Preparing, Submitted, Reviewing] {
            assert_eq!(check_transition(a, Withdrawn, &none, None), Ok(()));
            assert_eq!(
                check_transition(a, Rejected, &none, Some("负债过高")),
                Ok(())
            );
            let e = check_transition(a, Rejected, &none, Some("  ")).unwrap_err();
            assert_eq!(e.field, "reason");
            assert!(e.message.contains("拒绝原因"));
        }
        let approved = Figures {
            approved_wan: Some(50.0),
            ..Default::default()
        };
        assert_eq!(
            check_transition(Approved, Withdrawn, &approved, None),
            Ok(())
        );
    }

    #[test]
    fn approved_and_disbursed_need_their_figures() {
        let none = Figures::default();
        let e = check_transition(Reviewing, Approved, &none, None).unwrap_err();
        assert_eq!(e.field, "approved_wan");
        let approved = Figures {
            approved_wan: Some(100.0),
            ..Default::default()
        };
        let e = check_transition(Approved, Disbursed, &approved, None).unwrap_err();
        assert_eq!(e.field, "disbursed_wan");
        let no_date = Figures {
            disbursed_wan: Some(100.0),
            ..approved
        };
        let e = check_transition(Approved, Disbursed, &no_date, None).unwrap_err();
        assert_eq!(e.field, "disbursed_on");
        let too_much = Figures {
            disbursed_wan: Some(120.0),
            ..full()
        };
        let e = check_transition(Approved, Disbursed, &too_much, None).unwrap_err();
        assert_eq!(e.field, "disbursed_wan");
    }

    #[test]
    fn the_stage_follows_the_applications() {
        // An application at the lender makes the customer 申请中 …
        assert_eq!(
            stage_after(Stage::Diagnosed, &[Submitted], Submitted).map(|m| m.to),
            Some(Stage::Applying)
        );
        assert_eq!(
            stage_after(Stage::Lost, &[Reviewing], Reviewing).map(|m| m.to),
            Some(Stage::Applying)
        );
        // … but never takes 已放款 away.
        assert_eq!(stage_after(Stage::Approved, &[Submitted], Submitted), None);
        // Preparing moves nothing.
        assert_eq!(stage_after(Stage::Contacted, &[Preparing], Preparing), None);
        // A disbursement makes it 已放款 from any stage.
        assert_eq!(
            stage_after(Stage::Applying, &[Disbursed, Rejected], Disbursed).map(|m| m.to),
            Some(Stage::Approved)
        );
        assert_eq!(stage_after(Stage::Approved, &[Settled], Settled), None);
        // The last open one rejected: back to 改造中, only from 申请中.
        assert_eq!(
            stage_after(Stage::Applying, &[Rejected, Withdrawn], Rejected).map(|m| m.to),
            Some(Stage::Improving)
        );
        assert_eq!(stage_after(Stage::Lost, &[Rejected], Rejected), None);
        assert_eq!(stage_after(Stage::Improving, &[Withdrawn], Withdrawn), None);
        // Another one still at the lender: stays 申请中.
        assert_eq!(
            stage_after(Stage::Applying, &[Rejected, Reviewing], Rejected),
            None
        );
    }
}
