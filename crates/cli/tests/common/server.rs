//! A running `nst serve` and plain HTTP requests to it, for the tests that drive it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A running `nst serve`, killed on drop (its standard error is printed if the test failed).
pub struct Server {
    pub child: Child,
    /// The address it printed (with `?token=` if it has one).
    pub url: String,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub token: Option<String>,
    pub dir: tempfile::TempDir,
}

impl Server {
    /// `nst serve --listen 127.0.0.1:0 --backend cpu --uploads DIR ARGS`, once it listens.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    /// [`Server::start`] with these environment variables too.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_nst"))
            .args(["serve", "--listen", "127.0.0.1:0", "--backend", "cpu"])
            .arg("--uploads")
            .arg(dir.path().join("uploads"))
            .args(args)
            .env("NST_VGG16_ONNX", super::weights())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut server = Self {
            child,
            url: String::new(),
            origin: String::new(),
            token: None,
            dir,
        };
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("nst: serving on ") {
                    send.send(url.to_owned()).ok();
                }
            }
        });
        let url = receive
            .recv_timeout(Duration::from_secs(180))
            .expect("nst serve printed no address");
        let (origin, rest) = url.split_at(url[7..].find('/').unwrap() + 7);
        server.origin = origin.to_owned();
        server.token = rest.strip_prefix("/?token=").map(str::to_owned);
        server.url = url;
        server
    }

    /// `origin` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The server's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// The server's peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("stderr.log"));
            eprintln!("nst serve's standard error:\n{}", log.unwrap_or_default());
        }
    }
}

/// An answer's status and body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts `status` and a `{"error": "one line"}` body; returns the message.
    pub fn error(&self, status: u16) -> String {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        let message = self.json()["error"].as_str().unwrap().to_owned();
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{message:?}"
        );
        message
    }
}

pub fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build();
    ureq::Agent::new_with_config(config)
}

pub fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.unwrap();
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    Answer { status, body }
}

pub fn get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Answer {
    let request = headers
        .iter()
        .fold(agent.get(url), |r, (name, value)| r.header(*name, *value));
    answer(request.call())
}

pub fn post(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let request = headers
        .iter()
        .fold(agent.post(url), |r, (name, value)| r.header(*name, *value));
    answer(request.send(body))
}

/// The events of job `id` (replayed from its start; the stream ends with the job), as
/// `(name, data)`.
pub fn job_events(server: &Server, id: u64) -> Vec<(String, Value)> {
    let answer = get(&agent(), &server.at(&format!("/api/jobs/{id}/events")), &[]);
    assert_eq!(answer.status, 200);
    events_of(&answer.body)
}

/// The server-sent events in `body`, as `(name, data)`.
pub fn events_of(body: &[u8]) -> Vec<(String, Value)> {
    let text = String::from_utf8_lossy(body);
    let mut events = Vec::new();
    for block in text.split("\n\n") {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim_start().to_owned())
        };
        if let (Some(name), Some(data)) = (field("event:"), field("data:")) {
            events.push((name, serde_json::from_str(&data).unwrap()));
        }
    }
    events
}

/// Sends to `origin` (`http://HOST:PORT`) `head` (a request's line and headers, each ending in CRLF, without the blank line
/// that ends them) and then `body` (as much of it as the test wants sent), and reads the
/// answer until the server closes the connection or `limit` passes. Returns the status and
/// body, or `None` when the server closed the connection without answering.
pub fn raw(origin: &str, head: &str, body: &[u8], limit: Duration) -> Option<Answer> {
    use std::io::{Read as _, Write as _};
    let address = origin.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    // The server may answer and close before all is sent: that is the point of some tests.
    let _ = stream.write_all(format!("{head}\r\n").as_bytes());
    let _ = stream.write_all(body);
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        body: body.as_bytes().to_vec(),
    })
}
