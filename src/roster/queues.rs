//! Who takes supervisor duty, in which order (R1, R2). Pure: builds each department's queue
//! from the center's departments, staff and the office's choices.

use uuid::Uuid;

/// A department as the rotation sees it.
pub struct Dept<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub rotation_order: i32,
}

/// A staff member as the rotation sees it.
pub struct Person<'a> {
    pub id: Uuid,
    pub department_id: Uuid,
    pub employee_no: &'a str,
    /// Front-desk or back-office (R1).
    pub has_position: bool,
    pub is_supervisor: bool,
}

/// The office's choice for one person.
pub struct Choice {
    pub staff_id: Uuid,
    pub included: bool,
    pub queue_position: Option<i32>,
}

/// Departments in rotation order: the explicit order first (unknown ids ignored), then the rest
/// by `rotation_order`.
pub fn department_order(depts: &[Dept<'_>], explicit: &[Uuid]) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = explicit
        .iter()
        .filter(|id| depts.iter().any(|d| d.id == **id))
        .copied()
        .collect();
    out.dedup();
    let mut rest: Vec<&Dept<'_>> = depts.iter().filter(|d| !out.contains(&d.id)).collect();
    rest.sort_by_key(|d| (d.rotation_order, d.id));
    out.extend(rest.iter().map(|d| d.id));
    out
}

/// Eligible people of one department in queue order. Default eligibility: front-desk or
/// back-office staff holding the supervisor role; the office can include or exclude anyone.
/// Order: explicit queue position first, then employee number.
pub fn queue(department_id: Uuid, people: &[Person<'_>], choices: &[Choice]) -> Vec<Uuid> {
    let mut q: Vec<(Option<i32>, &str, Uuid)> = people
        .iter()
        .filter(|p| p.department_id == department_id)
        .filter_map(|p| {
            let choice = choices.iter().find(|c| c.staff_id == p.id);
            let eligible = match choice {
                Some(c) => c.included,
                None => p.has_position && p.is_supervisor,
            };
            eligible.then(|| (choice.and_then(|c| c.queue_position), p.employee_no, p.id))
        })
        .collect();
    q.sort_by(|a, b| {
        let pa = a.0.unwrap_or(i32::MAX);
        let pb = b.0.unwrap_or(i32::MAX);
        pa.cmp(&pb)
            .then_with(|| a.1.cmp(b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    q.into_iter().map(|(_, _, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn departments_follow_explicit_order_then_rotation_order_r2() {
        let depts = [
            Dept {
                id: id(1),
                name: "a",
                rotation_order: 30,
            },
            Dept {
                id: id(2),
                name: "b",
                rotation_order: 10,
            },
            Dept {
                id: id(3),
                name: "c",
                rotation_order: 20,
            },
        ];
        assert_eq!(department_order(&depts, &[]), vec![id(2), id(3), id(1)]);
        assert_eq!(
            department_order(&depts, &[id(1), id(99)]),
            vec![id(1), id(2), id(3)]
        );
    }

    #[test]
    fn default_queue_is_supervisors_with_a_position_by_employee_no_r1() {
        let p = |n, no: &'static str, pos, sup| Person {
            id: id(n),
            department_id: id(100),
            employee_no: no,
            has_position: pos,
            is_supervisor: sup,
        };
        let people = [
            p(1, "003", true, true),
            p(2, "001", true, true),
            p(3, "002", true, false),
            p(4, "000", false, true),
        ];
        assert_eq!(queue(id(100), &people, &[]), vec![id(2), id(1)]);
        let choices = [
            Choice {
                staff_id: id(3),
                included: true,
                queue_position: Some(1),
            },
            Choice {
                staff_id: id(2),
                included: false,
                queue_position: None,
            },
        ];
        assert_eq!(queue(id(100), &people, &choices), vec![id(3), id(1)]);
        assert!(queue(id(101), &people, &[]).is_empty());
    }
}
