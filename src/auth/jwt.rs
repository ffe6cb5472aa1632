//! Access tokens: issued here (HS256) or accepted from the portal's identity provider
//! (public keys, algorithm pinned per key id). `alg: none` never parses.

use crate::config::{Config, IdpKey};
use crate::principal::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;
use uuid::Uuid;

/// Claims of a token this service issues.
#[derive(Debug, Serialize)]
struct IssuedClaims<'a> {
    sub: String,
    center_id: Uuid,
    roles: &'a [Role],
    iat: i64,
    nbf: i64,
    exp: i64,
    iss: &'a str,
    aud: &'a str,
    /// The staff member's token generation when issued (see [`super::revocation`]).
    #[serde(rename = "gen")]
    generation: i32,
}

/// Claims read from any accepted token (own or external).
#[derive(Debug, Deserialize)]
struct ReadClaims {
    sub: String,
    /// Every token but a portal's names its center.
    #[serde(default)]
    center_id: Option<Uuid>,
    #[serde(default)]
    roles: Vec<String>,
    /// A portal token: the codes of the centers it may submit to.
    #[serde(default)]
    centers: Vec<String>,
    /// Own tokens: the staff member's token generation (tokens from before it existed: 0).
    #[serde(default, rename = "gen")]
    generation: i32,
}

/// The role an identity provider gives the regional portal's servers.
pub const PORTAL_ROLE: &str = "portal";

/// An identity provider's claims: the common ones and the rest (where its staff claim is).
#[derive(Debug, Deserialize)]
struct ExternalClaims {
    #[serde(flatten)]
    common: ReadClaims,
    #[serde(flatten)]
    other: HashMap<String, serde_json::Value>,
}

/// Who a verified token speaks for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: String,
    pub center_id: Uuid,
    pub roles: Vec<Role>,
    pub external: bool,
    /// An identity provider's token: the value of the configured staff claim (an employee
    /// number), when the token carries it.
    pub staff_claim: Option<String>,
    /// An identity provider's token with the `portal` role: the codes of the centers it may
    /// submit to (its `centers` claim). Such a token acts for the portal, never as staff.
    pub portal_centers: Option<Vec<String>>,
    /// Own tokens: the token generation it was issued under (identity-provider tokens: 0).
    pub generation: i32,
}

struct ExternalKey {
    key: DecodingKey,
    validation: Validation,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    own: DecodingKey,
    own_validation: Validation,
    external: HashMap<String, ExternalKey>,
    staff_claim: Option<String>,
    issuer: String,
    audience: String,
    pub access_ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(config: &Config, idp_keys: &[IdpKey]) -> Result<JwtKeys, String> {
        let secret = config.jwt_secret.as_bytes();
        let mut own_validation = Validation::new(Algorithm::HS256);
        own_validation.set_issuer(&[&config.jwt_issuer]);
        own_validation.set_audience(&[&config.jwt_audience]);
        own_validation.validate_nbf = true;
        own_validation.leeway = 30;
        own_validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let mut external = HashMap::new();
        for k in idp_keys {
            let alg = Algorithm::from_str(&k.alg)
                .map_err(|_| format!("identity provider key {}: unknown alg {}", k.kid, k.alg))?;
            let pem = k.pem.as_bytes();
            let key = match alg {
                Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512 => DecodingKey::from_rsa_pem(pem),
                Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem),
                Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
                _ => {
                    return Err(format!(
                        "identity provider key {}: only public-key algorithms are accepted",
                        k.kid
                    ));
                }
            }
            .map_err(|e| format!("identity provider key {}: {e}", k.kid))?;
            let mut v = Validation::new(alg);
            v.set_issuer(&[config.idp_issuer.as_deref().unwrap_or_default()]);
            v.set_audience(&[config.idp_audience.as_deref().unwrap_or_default()]);
            v.validate_nbf = true;
            v.leeway = 30;
            v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            external.insert(k.kid.clone(), ExternalKey { key, validation: v });
        }
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            own: DecodingKey::from_secret(secret),
            own_validation,
            external,
            staff_claim: config.idp_staff_claim.clone(),
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            access_ttl_secs: config.access_ttl_secs,
        })
    }

    /// Issues an access token for a staff member at their current token `generation`.
    pub fn issue(
        &self,
        staff_id: Uuid,
        center_id: Uuid,
        roles: &[Role],
        generation: i32,
    ) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = IssuedClaims {
            sub: staff_id.to_string(),
            center_id,
            roles,
            iat: now,
            nbf: now,
            exp: now + self.access_ttl_secs,
            iss: &self.issuer,
            aud: &self.audience,
            generation,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Verifies a bearer token. Any failure is `None` (the caller answers 401).
    pub fn verify(&self, token: &str) -> Option<Principal> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        // A key id names an identity-provider key; its algorithm is fixed by configuration,
        // so a token cannot pick its own (e.g. HS256 signed with the public key).
        let (claims, external, staff_claim) =
            match header.kid.as_deref().and_then(|k| self.external.get(k)) {
                Some(ext) => {
                    let c =
                        jsonwebtoken::decode::<ExternalClaims>(token, &ext.key, &ext.validation)
                            .ok()?
                            .claims;
                    let staff = match self.staff_claim.as_ref().map(|n| c.other.get(n)) {
                        None | Some(None) | Some(Some(serde_json::Value::Null)) => None,
                        Some(Some(serde_json::Value::String(s))) => Some(s.clone()),
                        Some(Some(serde_json::Value::Number(n))) => Some(n.to_string()),
                        // A staff claim of another shape names nobody: refuse the token.
                        Some(Some(_)) => return None,
                    };
                    (c.common, true, staff)
                }
                None => (
                    jsonwebtoken::decode::<ReadClaims>(token, &self.own, &self.own_validation)
                        .ok()?
                        .claims,
                    false,
                    None,
                ),
            };
        // A portal token speaks for the portal alone: no staff roles, no staff claim, and at
        // least one center to submit to.
        if external && claims.roles.iter().any(|r| r == PORTAL_ROLE) {
            let centers: Vec<String> = claims
                .centers
                .into_iter()
                .filter(|c| !c.trim().is_empty())
                .collect();
            if centers.is_empty() || staff_claim.is_some() {
                return None;
            }
            return Some(Principal {
                subject: claims.sub,
                center_id: Uuid::nil(),
                roles: Vec::new(),
                external,
                staff_claim: None,
                portal_centers: Some(centers),
                generation: 0,
            });
        }
        let roles = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
        Some(Principal {
            subject: claims.sub,
            center_id: claims.center_id?,
            roles,
            external,
            staff_claim,
            portal_centers: None,
            generation: if external { 0 } else { claims.generation },
        })
    }
}
