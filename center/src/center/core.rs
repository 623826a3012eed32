//! The seal center itself: its data directory (CA, configuration, the store) made or opened,
//! what it holds, and what every change ends with (the audit head anchored, the CRL written).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::anchor::Anchor;
use crate::audit::{self, Event, Head};
use crate::ca::{Ca, KeyType};
use crate::error::{Error, Result};
use crate::files;
use crate::maker::Maker;
use crate::names;
use crate::password;
use crate::registry::Role;
use crate::store::Store;
use crate::throttle::Logins;
use crate::tsa::{KeyPlace, Tsa};
use docseal_center_client::clock::now;

pub const CONFIG_FILE: &str = "center.json";
pub const DB_FILE: &str = "center.db";
pub const HEAD_FILE: &str = "audit-head.json";
pub const CRL_FILE: &str = "center.crl";
/// The administrator `init` creates.
pub const ADMIN: &str = "admin";

pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What the data directory remembers between runs (mode 0600: the URL may hold a password).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `postgres://…`, or absent for the SQLite file in the data directory.
    pub database: Option<String>,
    /// Where verifiers fetch the CRL; written into every seal certificate.
    pub crl_url: String,
    /// The CA key on a token (a `pkcs11:` URI) instead of `ca.key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_key_uri: Option<String>,
    /// The file holding that token's PIN (else DOCSEAL_CA_PIN, else a prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pin_file: Option<PathBuf>,
    /// The time-stamp authority's key on a token instead of `tsa.key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsa_key_uri: Option<String>,
    /// The file holding that token's PIN (else DOCSEAL_TSA_PIN, DOCSEAL_CA_PIN, a prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsa_pin_file: Option<PathBuf>,
}

pub struct InitOptions {
    /// The CA's common name.
    pub name: String,
    pub key_type: KeyType,
    /// The organisation's CA (certificate PEM, PKCS#8 key PEM) instead of a new one.
    pub import: Option<(String, String)>,
    /// The CA key on a token (`pkcs11:` URI) and its PIN file: with `ca_cert`, the
    /// organisation's CA on its HSM; without, a new CA key generated there.
    pub ca_token: Option<(String, Option<PathBuf>)>,
    /// The CA certificate (PEM) for a key on a token.
    pub ca_cert: Option<String>,
    /// The time-stamp authority's key generated on a token (`pkcs11:` URI) and its PIN file,
    /// instead of `tsa.key`.
    pub tsa_token: Option<(String, Option<PathBuf>)>,
    pub database: Option<String>,
    pub crl_url: Option<String>,
    pub admin_password: String,
}

pub struct Center {
    pub(super) dir: PathBuf,
    pub(super) store: Store,
    pub(super) ca: Ca,
    pub(super) config: Config,
    /// Opened once (the server opens it at start): its key may sit on a token that needs a PIN.
    pub(super) tsa: std::sync::OnceLock<std::result::Result<Tsa, String>>,
    /// The newest signed head outside the database (`audit-head.json`).
    pub(super) anchor: Anchor,
    pub(super) logins: Logins,
    pub(super) maker: std::sync::OnceLock<std::result::Result<Maker, String>>,
}

impl Center {
    pub async fn init(dir: &Path, opts: InitOptions) -> Result<Center> {
        if dir.join(CONFIG_FILE).exists() || dir.join(crate::ca::CERT_FILE).exists() {
            return Err(Error::AlreadyInitialised(dir.display().to_string()));
        }
        let token = opts
            .ca_token
            .as_ref()
            .map(|(uri, pin)| crate::ca::TokenRef {
                uri,
                pin_file: pin.as_deref(),
            });
        let ca = match (&opts.import, &token, &opts.ca_cert) {
            (Some((cert, key)), _, _) => Ca::import(cert, key)?,
            (None, Some(t), Some(cert)) => Ca::on_token(cert, t)?,
            (None, Some(t), None) => Ca::create_on_token(&opts.name, opts.key_type, t)?,
            (None, None, _) => Ca::create(&opts.name, opts.key_type)?,
        };
        let hash = password::hash(&names::password(&opts.admin_password)?)?;
        ca.save(dir)?;
        let config = Config {
            database: opts.database.clone(),
            crl_url: opts
                .crl_url
                .clone()
                .unwrap_or_else(|| format!("file://{}", absolute(dir).join(CRL_FILE).display())),
            ca_key_uri: opts.ca_token.as_ref().map(|(u, _)| u.clone()),
            ca_pin_file: opts
                .ca_token
                .as_ref()
                .and_then(|(_, p)| p.as_deref())
                .map(absolute),
            tsa_key_uri: opts.tsa_token.as_ref().map(|(u, _)| u.clone()),
            tsa_pin_file: opts
                .tsa_token
                .as_ref()
                .and_then(|(_, p)| p.as_deref())
                .map(absolute),
        };
        Tsa::create(
            dir,
            &ca,
            &first_cn(ca_subject(&ca)),
            &config.crl_url,
            &tsa_place(&config),
        )?;
        Maker::load_or_create(dir, &ca, &first_cn(ca_subject(&ca)), &config.crl_url)?;
        let json = serde_json::to_vec_pretty(&config).map_err(|e| Error::Io(e.to_string()))?;
        files::create_private(&dir.join(CONFIG_FILE), &json)?;
        let center = Center::open(dir).await?;
        let mut tx = center.store.pool().begin().await?;
        sqlx::query(&center.store.sql(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        ))
        .bind(ADMIN)
        .bind(Role::Administrator.as_str())
        .bind(&hash)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::AlreadyInitialised(format!("the store ({e})")))?;
        center
            .finish(
                tx,
                Event {
                    actor: ADMIN.into(),
                    action: "init".into(),
                    outcome: "ok".into(),
                    detail: Some(format!("CA {}", first_cn(ca_subject(&center.ca)))),
                    ..Event::default()
                },
                true,
            )
            .await?;
        Ok(center)
    }

    pub async fn open(dir: &Path) -> Result<Center> {
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.exists() {
            return Err(Error::NotInitialised(dir.display().to_string()));
        }
        let config: Config = serde_json::from_slice(&files::read(&config_path)?)
            .map_err(|e| Error::Io(format!("{} is damaged: {e}", config_path.display())))?;
        let token = config.ca_key_uri.as_deref().map(|uri| crate::ca::TokenRef {
            uri,
            pin_file: config.ca_pin_file.as_deref(),
        });
        let ca = Ca::load(dir, token.as_ref())?;
        let store = match &config.database {
            Some(url) => Store::postgres(url).await?,
            None => Store::sqlite(&dir.join(DB_FILE)).await?,
        };
        Ok(Center {
            anchor: Anchor::new(&dir.join(HEAD_FILE)),
            logins: Logins::default(),
            maker: std::sync::OnceLock::new(),
            dir: dir.to_path_buf(),
            store,
            ca,
            config,
            tsa: std::sync::OnceLock::new(),
        })
    }

    /// The center's time-stamp authority, opened once: a failure is kept too, so a token's PIN is
    /// never asked again in the middle of serving. A data directory made before the center had
    /// a TSA gets its file key and certificate now.
    pub fn tsa(&self) -> Result<&Tsa> {
        self.tsa
            .get_or_init(|| {
                let place = tsa_place(&self.config);
                if place.uri.is_none() && !self.dir.join(crate::tsa::CERT_FILE).exists() {
                    Tsa::create(
                        &self.dir,
                        &self.ca,
                        &first_cn(ca_subject(&self.ca)),
                        &self.config.crl_url,
                        &place,
                    )
                    .map_err(|e| e.to_string())?;
                }
                Tsa::load(&self.dir, &self.ca, &place).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Crypto(e.clone()))
    }

    /// The center's seal maker, made on first use when the data directory has none (a center
    /// made before there was one, or a second instance's directory).
    pub fn maker(&self) -> Result<&Maker> {
        self.maker
            .get_or_init(|| {
                Maker::load_or_create(
                    &self.dir,
                    &self.ca,
                    &first_cn(ca_subject(&self.ca)),
                    &self.config.crl_url,
                )
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Crypto(e.clone()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn logins(&self) -> &Logins {
        &self.logins
    }

    /// Ends an operation: its audit row and the signed head, a new CRL when revocation
    /// changed, the commit, and then the data directory's copies of both.
    pub(crate) async fn finish(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        event: Event,
        reissue_crl: bool,
    ) -> Result<()> {
        let anchors = self.anchors(None)?;
        let (_, head) =
            audit::append(&mut tx, &self.store, &self.ca, &event, now(), &anchors).await?;
        let crl = if reissue_crl {
            Some(self.issue_crl(&mut tx).await?)
        } else {
            None
        };
        tx.commit().await?;
        self.after_commit(Some(&head), crl.as_deref())
    }

    /// The heads every append is checked against: the data directory's, and one a client
    /// presents (the newest it was shown), when it does.
    pub(super) fn anchors(&self, client: Option<&Head>) -> Result<Vec<Head>> {
        Ok(self
            .anchor
            .newest()?
            .into_iter()
            .chain(client.cloned())
            .collect())
    }

    /// Work that follows a commit: the data directory's copies of the signed head and the CRL.
    pub(super) fn after_commit(&self, head: Option<&Head>, crl: Option<&[u8]>) -> Result<()> {
        if let Some(h) = head {
            self.anchor.advance(h)?;
        }
        if let Some(der) = crl {
            files::create_private(&self.dir.join(CRL_FILE), der)?;
        }
        Ok(())
    }
}

/// Runs blocking work (a token, a drawing, a password hash) on tokio's blocking threads.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Crypto(format!("blocking work stopped: {e}")))?
}

/// The CN of an RFC 4514 string, or the whole string.
pub(crate) fn first_cn(subject: String) -> String {
    subject
        .split(',')
        .find_map(|p| p.trim().strip_prefix("CN="))
        .map(str::to_string)
        .unwrap_or(subject)
}

fn ca_subject(ca: &Ca) -> String {
    docseal::Cert::from_der(ca.cert_der().to_vec())
        .map(|c| c.subject())
        .unwrap_or_default()
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn tsa_place(config: &Config) -> KeyPlace<'_> {
    KeyPlace {
        uri: config.tsa_key_uri.as_deref(),
        pin_file: config.tsa_pin_file.as_deref(),
    }
}
