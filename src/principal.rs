//! Who is acting: roles, the authenticated caller and the actor the audit trail records.
//!
//! A leaf module: it knows nothing of how a caller is authenticated (`auth` builds a
//! [`CurrentUser`] from a bearer token) nor of the audit writer or the organisation, so those
//! modules can all depend on it without depending on each other.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Center office: manages rosters, staff, settings; reads the audit trail.
    OfficeAdmin,
    /// Supervisor (督导员): window staff taking supervisor duty in rotation.
    Supervisor,
    /// Window staff (窗口工作人员).
    WindowStaff,
    /// Read-only access for reporting tools.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::OfficeAdmin => "office_admin",
            Role::Supervisor => "supervisor",
            Role::WindowStaff => "window_staff",
            Role::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "office_admin" => Some(Role::OfficeAdmin),
            "supervisor" => Some(Role::Supervisor),
            "window_staff" => Some(Role::WindowStaff),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

/// The authenticated caller. Extracting it (see `auth`) answers 401 when the bearer token is
/// missing or invalid.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The staff id for tokens this service issued; `None` for identity-provider tokens.
    pub staff_id: Option<Uuid>,
    /// Token subject as sent (`staff id`, or the identity provider's subject).
    pub subject: String,
    pub center_id: Uuid,
    pub roles: Vec<Role>,
    pub external: bool,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        self.require_any(&[Role::OfficeAdmin])
    }

    /// Whether the caller may only read: their one role is auditor (someone who holds another
    /// role as well keeps that role's rights). See `auth::read_only`.
    pub fn read_only(&self) -> bool {
        !self.roles.is_empty() && self.roles.iter().all(|r| *r == Role::Auditor)
    }

    /// Office admins and auditors read everything of their center.
    pub fn reads_all(&self) -> bool {
        self.has(Role::OfficeAdmin) || self.has(Role::Auditor)
    }

    /// Label for the audit trail.
    pub fn actor_label(&self) -> String {
        if self.external {
            format!("idp:{}", self.subject)
        } else {
            format!("staff:{}", self.subject)
        }
    }
}

/// The regional portal's servers, calling with an identity provider's token that carries the
/// `portal` role: they may submit citizens' requests and ratings to the centers their token
/// lists (by center code) and read the status of what they submitted, nothing else. Every
/// staff endpoint refuses them (403).
#[derive(Debug, Clone)]
pub struct PortalClient {
    /// The token's subject: the portal's client id, recorded on what it submits.
    pub subject: String,
    /// Codes of the centers it may submit to.
    pub centers: Vec<String>,
}

impl PortalClient {
    /// Whether it may submit to the center with `code`.
    pub fn serves(&self, code: &str) -> bool {
        self.centers.iter().any(|c| c == code)
    }

    /// Label for the audit trail.
    pub fn actor_label(&self) -> String {
        format!("portal:{}", self.subject)
    }
}

/// Whoever calls an endpoint that both staff and the portal may use.
#[derive(Debug, Clone)]
pub enum Caller {
    Staff(CurrentUser),
    Portal(PortalClient),
}

/// Who made a change, as the audit trail records it: a caller or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub center_id: Uuid,
    /// The acting staff member; `None` for identity-provider callers and the command line.
    pub actor_id: Option<Uuid>,
    /// `staff:<id>`, `idp:<subject>` or `system:cli`.
    pub label: String,
}

impl Actor {
    /// Changes made by the command line (no logged-in user).
    pub fn system(center_id: Uuid) -> Actor {
        Actor {
            center_id,
            actor_id: None,
            label: "system:cli".into(),
        }
    }
}

impl Actor {
    /// The portal acting on `center_id`.
    pub fn portal(portal: &PortalClient, center_id: Uuid) -> Actor {
        Actor {
            center_id,
            actor_id: None,
            label: portal.actor_label(),
        }
    }
}

impl From<&CurrentUser> for Actor {
    fn from(user: &CurrentUser) -> Actor {
        Actor {
            center_id: user.center_id,
            actor_id: user.staff_id,
            label: user.actor_label(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(external: bool) -> CurrentUser {
        CurrentUser {
            staff_id: (!external).then(Uuid::nil),
            subject: "s1".into(),
            center_id: Uuid::max(),
            roles: vec![Role::Supervisor],
            external,
        }
    }

    #[test]
    fn actor_of_a_staff_caller_carries_center_id_and_label() {
        let a = Actor::from(&user(false));
        assert_eq!(a.center_id, Uuid::max());
        assert_eq!(a.actor_id, Some(Uuid::nil()));
        assert_eq!(a.label, "staff:s1");
    }

    #[test]
    fn actor_of_an_identity_provider_caller_has_no_staff_id() {
        let a = Actor::from(&user(true));
        assert_eq!(a.actor_id, None);
        assert_eq!(a.label, "idp:s1");
    }

    #[test]
    fn system_actor_is_the_command_line() {
        let a = Actor::system(Uuid::nil());
        assert_eq!((a.actor_id, a.label.as_str()), (None, "system:cli"));
    }

    /// The module's own code in each `.rs` file under `src/<dir>` (recursively), or of
    /// `src/<dir>.rs` itself: the text before its `#[cfg(test)]`, without `tests.rs` files.
    fn own_code(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut todo: Vec<_> = [root.join(dir), root.join(format!("{dir}.rs"))]
            .into_iter()
            .filter(|p| p.exists())
            .collect();
        let mut out = Vec::new();
        while let Some(path) = todo.pop() {
            if path.is_dir() {
                for e in std::fs::read_dir(&path).expect("source directory") {
                    todo.push(e.expect("entry").path());
                }
            } else if path.extension().is_some_and(|x| x == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                let text = std::fs::read_to_string(&path).expect("source file");
                // Only the module's own code, not its tests (nor this test's strings).
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                out.push((path.display().to_string(), code.to_owned()));
            }
        }
        assert!(!out.is_empty(), "no source files for {dir}");
        out
    }

    /// Fails if code of `dir` names one of the `banned` top-level modules, as `crate::m` or
    /// inside a `crate::{…}` group.
    fn assert_no_use(dir: &str, banned: &[&str]) {
        for (file, code) in own_code(dir) {
            // Each group up to its closing brace (groups may nest).
            let groups: Vec<&str> = code
                .split("crate::{")
                .skip(1)
                .map(|g| {
                    let mut depth = 1;
                    let end = g
                        .char_indices()
                        .find(|&(_, c)| {
                            depth += match c {
                                '{' => 1,
                                '}' => -1,
                                _ => 0,
                            };
                            depth == 0
                        })
                        .map_or(g.len(), |(i, _)| i);
                    &g[..end]
                })
                .collect();
            for b in banned {
                let grouped = groups.iter().any(|g| {
                    g.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == *b)
                });
                assert!(
                    !code.contains(&format!("crate::{b}")) && !grouped,
                    "{file} must not use crate::{b}"
                );
            }
        }
    }

    /// The leaf stays a leaf, and the audit writer does not reach back into `auth` or `org`:
    /// otherwise `auth`, `audit` and `org` import each other again.
    #[test]
    fn principal_and_audit_import_neither_auth_nor_org() {
        assert_no_use("principal", &["auth", "org", "audit"]);
        assert_no_use("audit", &["auth", "org"]);
    }

    /// `org` uses `auth` (hashing passwords, revoking tokens), never the other way round: auth
    /// reads accounts through its own queries, and the staff record is org's to answer.
    #[test]
    fn auth_does_not_import_org() {
        assert_no_use("auth", &["org"]);
    }
}
