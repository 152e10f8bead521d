use super::*;
use plugboard_sdk::stream::Window;

fn parse<P>(stream: &Stream<P>, slice: &Slice<'_, P>, body: &str) -> Vec<Record>
where
    P: serde::Serialize + serde::de::DeserializeOwned + Clone + PartialEq,
{
    stream
        .parse_slice(slice, body.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"))
        .0
}

#[test]
fn members_carry_their_role_and_owners_are_privileged() {
    let admin = "admin".to_string();
    let slice = Slice {
        parent: Some(&admin),
        window: None,
    };
    let records = parse(&MEMBERS, &slice, r#"[{"login":"octo","id":1},{"id":2}]"#);
    assert_eq!(
        records.len(),
        2,
        "no login, no account; an owner holds the admin role"
    );
    let Record::Account(a) = &records[0] else {
        panic!("{records:?}")
    };
    assert_eq!(
        (a.id.as_str(), a.user_type.as_deref()),
        ("octo", Some("owner"))
    );
    assert!(
        matches!(&records[1], Record::RoleAssignment(r) if r.privileged && r.account_id == "octo")
    );
    let member = "member".to_string();
    let plain = Slice {
        parent: Some(&member),
        window: None,
    };
    assert_eq!(parse(&MEMBERS, &plain, r#"[{"login":"dev"}]"#).len(), 1);
    let whole = Slice {
        parent: None,
        window: None,
    };
    let outside = parse(&OUTSIDE, &whole, r#"[{"login":"ext"}]"#);
    assert!(
        matches!(&outside[0], Record::Account(a) if a.user_type.as_deref() == Some("outside-collaborator"))
    );
}

#[test]
fn teams_and_their_members_are_keyed_by_slug() {
    let whole = Slice {
        parent: None,
        window: None,
    };
    let teams = parse(&TEAMS, &whole, r#"[{"id":5,"slug":"web","name":"Web"}]"#);
    assert!(matches!(&teams[0], Record::Group(g) if g.id == "web" && g.name == "Web"));
    let web = "web".to_string();
    let slice = Slice {
        parent: Some(&web),
        window: None,
    };
    let members = parse(&TEAM_MEMBERS, &slice, r#"[{"login":"octo"}]"#);
    assert!(
        matches!(&members[0], Record::GroupMember(m) if m.group_id == "web" && m.account_id == "octo")
    );
}

#[test]
fn audit_events_are_keyed_by_document_id_and_stamped_from_milliseconds() {
    let window = Window {
        from: "2026-07-01".into(),
        to: "2026-07-02".into(),
        from_ms: 0,
        to_ms: 0,
        last: true,
    };
    let slice = Slice {
        parent: None,
        window: Some(&window),
    };
    let body = r#"[{"_document_id":"d1","created_at":1606929874512,"action":"team.add_member","actor":"octo","team":"acme/web"},
                   {"action":"org.add_member"}]"#;
    let records = parse(&AUDIT_LOG, &slice, body);
    assert_eq!(records.len(), 1, "no id or time, no activity");
    let Record::Activity(a) = &records[0] else {
        panic!("{records:?}")
    };
    assert_eq!(a.id, "d1");
    assert_eq!(a.occurred_at, "2020-12-02T17:24:34Z");
    assert_eq!(
        (a.category.as_str(), a.target.as_deref()),
        ("team", Some("acme/web"))
    );
}

#[test]
fn a_missing_audit_log_is_unavailable_not_a_failure() {
    use plugboard_sdk::http::{Request, Response};
    use plugboard_sdk::stream::{Env, Exchange};
    let env = Env {
        now_ms: 1_780_000_000_000,
        lookback_days: 2,
    };
    for (status, kind) in [(404, ErrorKind::Unavailable), (401, ErrorKind::Auth)] {
        let mut net = Exchange(|request: &Request| {
            Ok(Response {
                status,
                headers: vec![],
                body: br#"{"message":"Not Found"}"#.to_vec(),
                url: request.url.clone(),
            })
        });
        // The audit log as declared, but for the URL (which reads `org`
        // from the host's settings).
        let audit_log = Stream {
            url: |_| format!("{}/orgs/acme/audit-log", client::BASE_URL),
            ..AUDIT_LOG
        };
        let e = audit_log.sync(None, env, &mut net).err();
        assert_eq!(e.map(|e| e.kind), Some(kind), "{status}");
    }
}
