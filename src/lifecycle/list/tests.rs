use super::*;
use crate::lifecycle::Party;
use crate::principal::Role;

crate::text_enum!(Light { Red => "red", Green => "green" });

fn user(staff: Option<Uuid>, roles: &[Role]) -> CurrentUser {
    CurrentUser {
        staff_id: staff,
        subject: String::new(),
        center_id: Uuid::from_u128(7),
        roles: roles.to_vec(),
        external: staff.is_none(),
    }
}

#[test]
fn office_and_auditors_see_all_others_only_as_a_party() {
    let me = Uuid::from_u128(1);
    let other = Uuid::from_u128(2);
    let requester_is = |who: Uuid| move |p: Party, s: Uuid| p == Party::Requester && s == who;
    let counterpart_is = |who: Uuid| move |p: Party, s: Uuid| p == Party::Counterpart && s == who;
    for roles in [&[Role::OfficeAdmin][..], &[Role::Auditor]] {
        assert!(may_see(&user(None, roles), requester_is(other)));
        assert!(may_see(&user(Some(me), roles), requester_is(other)));
    }
    let supervisor = user(Some(me), &[Role::Supervisor]);
    assert!(may_see(&supervisor, requester_is(me)));
    assert!(may_see(&supervisor, counterpart_is(me)));
    assert!(!may_see(&supervisor, requester_is(other)));
    assert!(!may_see(&supervisor, |_, _| false));
    // Being "the office" of a request shows nothing to a person.
    assert!(!may_see(&supervisor, |p, _| p == Party::Office));
    assert!(!may_see(&user(None, &[Role::Supervisor]), |_, _| true));
}

#[test]
fn lists_are_scoped_to_the_caller() {
    let me = Uuid::from_u128(1);
    let other = Uuid::from_u128(2);
    let asked = Wanted {
        staff_id: Some(other),
        ..Wanted::default()
    };
    // Office admins and auditors get what they ask for (nobody: everyone).
    let office = user(None, &[Role::OfficeAdmin]);
    assert_eq!(involving(&office, Some(other)).unwrap(), Some(other));
    assert_eq!(involving(&office, None).unwrap(), None);
    let f = filter::<Light>(&office, asked).unwrap().unwrap();
    assert_eq!(f.involving, Some(other));
    assert_eq!(f.center_id, Uuid::from_u128(7));
    // Everyone else gets their own, whatever they ask for.
    let supervisor = user(Some(me), &[Role::Supervisor]);
    assert_eq!(involving(&supervisor, Some(other)).unwrap(), Some(me));
    assert_eq!(involving(&supervisor, None).unwrap(), Some(me));
    // Without a staff record, only office admins and auditors may list.
    assert_eq!(
        involving(&user(None, &[Role::Supervisor]), None)
            .unwrap_err()
            .status,
        actix_web::http::StatusCode::FORBIDDEN
    );
}

#[test]
fn filters_check_paging_and_read_the_status() {
    let office = user(None, &[Role::OfficeAdmin]);
    let f = filter::<Light>(&office, Wanted::default())
        .unwrap()
        .unwrap();
    assert_eq!(f.fetch, pagination::DEFAULT_LIMIT + 1);
    assert_eq!((f.status, f.before), (None, None));
    let w = Wanted {
        status: Some("green"),
        limit: Some(3),
        ..Wanted::default()
    };
    let f = filter::<Light>(&office, w).unwrap().unwrap();
    assert_eq!((f.status, f.fetch), (Some(Light::Green), 4));
    // A status this kind does not have matches nothing (no query needed).
    let w = Wanted {
        status: Some("blue"),
        ..Wanted::default()
    };
    assert!(filter::<Light>(&office, w).unwrap().is_none());
    for w in [
        Wanted {
            limit: Some(0),
            ..Wanted::default()
        },
        Wanted {
            cursor: Some("!!"),
            ..Wanted::default()
        },
    ] {
        assert!(filter::<Light>(&office, w).is_err());
    }
    // A page's cursor carries on below its last id.
    let p = pagination::page(
        vec![Uuid::from_u128(9), Uuid::from_u128(8)],
        1,
        |r| *r,
        |r| r,
    );
    let w = Wanted {
        cursor: p.next_cursor.as_deref(),
        ..Wanted::default()
    };
    let f = filter::<Light>(&office, w).unwrap().unwrap();
    assert_eq!(f.before, Some(Uuid::from_u128(9)));
}
