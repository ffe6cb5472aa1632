//! A portal's webhook endpoint for the tests, on 127.0.0.1, and the portal's signature check.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use dutydesk::config::WebhookEndpoint;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Got {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
pub struct Shared {
    got: Mutex<Vec<Got>>,
    status: AtomicU16,
    /// How long to wait before answering.
    pub delay_ms: AtomicU64,
}

/// A portal's webhook endpoint on 127.0.0.1: records what it gets, answers `status`.
pub struct Receiver {
    pub url: String,
    pub shared: Arc<Shared>,
}

impl Receiver {
    pub async fn start(status: u16) -> Receiver {
        let shared = Arc::new(Shared::default());
        shared.status.store(status, Ordering::SeqCst);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .listen(listener)
        .unwrap()
        .workers(1)
        .disable_signals()
        .run();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/dutydesk"),
            shared,
        }
    }
    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }
    pub fn got(&self) -> Vec<Got> {
        self.shared.got.lock().unwrap().clone()
    }
    pub fn endpoint(&self, portal: &str, secret: &str) -> WebhookEndpoint {
        WebhookEndpoint {
            portal: portal.into(),
            url: self.url.clone(),
            secret: secret.into(),
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, s: web::Data<Shared>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    s.got.lock().unwrap().push(Got {
        headers,
        body: body.to_vec(),
    });
    // (`AtomicU64::load` by path: diesel's `RunQueryDsl::load` is in scope.)
    let delay = AtomicU64::load(&s.delay_ms, Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status =
        actix_web::http::StatusCode::from_u16(AtomicU16::load(&s.status, Ordering::SeqCst))
            .unwrap();
    HttpResponse::build(status).body("ok")
}

/// The portal's check, written independently of the service's code: HMAC-SHA256 of
/// "{timestamp}.{body}" with the secret, hex, after `v1=`.
pub fn signature_verifies(secret: &str, got: &Got) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(got.header("x-dutydesk-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&got.body);
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    got.header("x-dutydesk-signature") == expected
}
