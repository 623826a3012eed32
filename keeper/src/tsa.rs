//! The time-stamping authority over HTTP (RFC 3161 §3.4): one POST of a DER `TimeStampReq` as
//! `application/timestamp-query`, the `TimeStampResp` back. The engine builds the query and
//! checks the answer; this only carries it, with a time limit and a size limit, trusting the
//! seal center's own TLS certificate when the keeper names it.

use std::sync::Arc;
use std::time::Duration;

use docseal::{Error, TimeStamper};

/// The largest answer read: a token with a TSA chain is a few KiB.
const MAX_ANSWER: u64 = 1 << 20;

/// A TSA at an http:// or https:// URL.
pub struct HttpTsa {
    url: String,
    agent: ureq::Agent,
}

impl HttpTsa {
    /// `tls_root_pem`: the certificate (PEM) to trust for an https:// TSA instead of the public
    /// roots — the seal center's tls.pem, for `--tsa https://center:8443/tsa`.
    pub fn new(url: &str, timeout: Duration, tls_root_pem: Option<&[u8]>) -> Result<Self, Error> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::arg("--tsa", "an http:// or https:// URL"));
        }
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = tls_root_pem {
            let cert = ureq::tls::Certificate::from_pem(pem)
                .map_err(|e| Error::arg("--tsa-ca", format!("not a PEM certificate ({e})")))?;
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![
                cert.to_owned()
            ])));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(HttpTsa {
            url: url.to_string(),
            agent,
        })
    }

    /// With the usual 15-second limit and the public roots.
    pub fn at(url: &str) -> Result<Arc<dyn TimeStamper>, Error> {
        Ok(Arc::new(HttpTsa::new(url, Duration::from_secs(15), None)?))
    }
}

impl TimeStamper for HttpTsa {
    fn authority(&self) -> &str {
        &self.url
    }

    fn exchange(&self, query: &[u8]) -> Result<Vec<u8>, Error> {
        let unreachable = |reason: String| Error::TsaUnreachable {
            url: self.url.clone(),
            reason,
        };
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .header("Accept", "application/timestamp-reply")
            .send(query)
            .map_err(|e| unreachable(e.to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Error::TsaRefused {
                url: self.url.clone(),
                status: format!("HTTP {status}"),
            });
        }
        resp.body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| unreachable(e.to_string()))
    }
}
