//! The seal center: one data directory (CA, configuration, the SQLite store unless PostgreSQL is
//! named), and the operations that change the registry — each one transaction that also appends
//! to the audit log and, when revocation changes, re-issues the CRL.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::{Path, PathBuf};

use crate::anchor::Anchor;
use crate::audit::{self, Event, Head};
use crate::ca::{Ca, KeyType, SealSubject};
use crate::error::{Error, Result};
use crate::files;
use crate::maker::Maker;
use crate::names;
use crate::password;
use crate::registry::{Actor, Reason, Role, Seal, Status, User, SEAL_COLUMNS};
use crate::store::Store;
use crate::throttle::Logins;
use crate::tsa::{KeyPlace, Tsa};

pub const CONFIG_FILE: &str = "center.json";
pub const DB_FILE: &str = "center.db";
pub const HEAD_FILE: &str = "audit-head.json";
pub const CRL_FILE: &str = "center.crl";
/// The administrator `init` creates.
pub const ADMIN: &str = "admin";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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

pub struct NewSeal {
    pub cert_pem: String,
    pub holder: String,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub kind: String,
    pub picture_png: Option<Vec<u8>>,
    pub approval_required: bool,
    pub token_uri: Option<String>,
}

impl NewSeal {
    /// Refuses text a seal cannot carry, before anything is drawn, issued or touched.
    fn check(&self) -> Result<()> {
        if let Some(n) = &self.name {
            names::label("the seal's name", n, 100)?;
        }
        if let Some(u) = &self.unit {
            names::label("the seal's unit", u, 200)?;
        }
        names::label("the seal's kind", &self.kind, 40)
    }
}

/// Where and how to make a seal's key on a token.
pub struct Enrollment {
    /// The token, as a `pkcs11:` URI (token=…, module-path= when not the default module).
    pub token: String,
    /// The key's label (default: the seal's name).
    pub label: Option<String>,
    pub key_type: docseal::keys::KeyType,
    pub pin: docseal::keys::Unlock,
    /// A line of text under the star of the drawn seal.
    pub text: Option<String>,
    /// Days the certificate is valid.
    pub days: i64,
}

pub struct Center {
    dir: PathBuf,
    store: Store,
    ca: Ca,
    config: Config,
    /// Opened once (the server opens it at start): its key may sit on a token that needs a PIN.
    tsa: std::sync::OnceLock<std::result::Result<Tsa, String>>,
    /// The newest signed head outside the database (`audit-head.json`).
    anchor: Anchor,
    logins: Logins,
    maker: std::sync::OnceLock<std::result::Result<Maker, String>>,
}

pub use crate::clock::now;

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
    fn anchors(&self, client: Option<&Head>) -> Result<Vec<Head>> {
        Ok(self
            .anchor
            .newest()?
            .into_iter()
            .chain(client.cloned())
            .collect())
    }

    /// Work that follows a commit: the data directory's copies of the signed head and the CRL.
    fn after_commit(&self, head: Option<&Head>, crl: Option<&[u8]>) -> Result<()> {
        if let Some(h) = head {
            self.anchor.advance(h)?;
        }
        if let Some(der) = crl {
            files::create_private(&self.dir.join(CRL_FILE), der)?;
        }
        Ok(())
    }

    pub async fn add_user(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        pass: &str,
    ) -> Result<User> {
        actor.require(Role::Administrator, "adding a user")?;
        let name = names::user_name(name)?;
        let name = name.as_str();
        let key = names::skeleton(name);
        let hash = password::hash(&names::password(pass)?)?;
        let t = now();
        let mut tx = self.store.pool().begin().await?;
        // A name that reads as one already there (another case, fullwidth letters, look-alike
        // characters of another script) is the same name (UTS #39 confusable skeletons).
        let taken = sqlx::query("SELECT name FROM users")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .find(|other| names::skeleton(other) == key);
        if let Some(other) = taken {
            return Err(Error::Invalid(format!(
                "a user named {} exists already, and {} would read as the same name",
                names::for_terminal(&other),
                names::for_terminal(name)
            )));
        }
        // The unique key makes two administrators adding look-alikes at once fail as well.
        sqlx::query(&self.store.sql(
            "INSERT INTO users (name, role, password_hash, created_at, name_key) VALUES ($1, $2, $3, $4, $5)",
        ))
        .bind(name)
        .bind(role.as_str())
        .bind(&hash)
        .bind(t)
        .bind(&key)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::Invalid(format!(
                "a user whose name reads as {} exists already",
                names::for_terminal(name)
            )),
            other => other.into(),
        })?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "user-add".into(),
                outcome: "ok".into(),
                detail: Some(format!("{name} ({})", role.as_str())),
                ..Event::default()
            },
            false,
        )
        .await?;
        Ok(User {
            name: name.to_string(),
            role,
            disabled: false,
            created_at: t,
        })
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT name, role, disabled, created_at FROM users ORDER BY name")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(User {
                    name: r.try_get(0)?,
                    role: Role::parse(&r.try_get::<String, _>(1)?)?,
                    disabled: r.try_get::<i64, _>(2)? != 0,
                    created_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn disable_user(&self, actor: &Actor, name: &str) -> Result<()> {
        actor.require(Role::Administrator, "disabling a user")?;
        if name == actor.name {
            return Err(Error::Invalid(
                "an administrator cannot disable themself".into(),
            ));
        }
        let mut tx = self.store.pool().begin().await?;
        let done = sqlx::query(
            &self
                .store
                .sql("UPDATE users SET disabled = 1 WHERE name = $1"),
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NoSuchUser(name.to_string()));
        }
        sqlx::query(&self.store.sql("DELETE FROM sessions WHERE user_name = $1"))
            .bind(name)
            .execute(&mut *tx)
            .await?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "user-disable".into(),
                outcome: "ok".into(),
                detail: Some(name.to_string()),
                ..Event::default()
            },
            false,
        )
        .await
    }

    /// Registers a seal whose certificate exists already (issued by this center or another).
    pub async fn add_seal(&self, actor: &Actor, new: NewSeal) -> Result<Seal> {
        self.register(actor, new, new_seal_id()?).await
    }

    /// Issues a seal certificate for the key of a PKCS#10 request (RFC 2986), after checking
    /// the request's signature: the requester holds the private key. The certificate's content
    /// is the center's profile, not what the request asks for.
    pub async fn issue_from_request(
        &self,
        actor: &Actor,
        csr_der: &[u8],
        new: NewSeal,
        valid_days: i64,
    ) -> Result<Seal> {
        use rcgen::PublicKeyData;
        let csr = rcgen::CertificateSigningRequestParams::from_der(&csr_der.to_vec().into())
            .map_err(|e| Error::Invalid(format!("the certificate request does not hold: {e}")))?;
        let spki = csr.public_key.subject_public_key_info();
        self.issue_seal(actor, &spki, new, valid_days).await
    }

    async fn register(&self, actor: &Actor, new: NewSeal, id: String) -> Result<Seal> {
        actor.require(Role::Administrator, "registering a seal")?;
        let cert = docseal::Cert::load_all(new.cert_pem.as_bytes())
            .ok()
            .and_then(|c| c.into_iter().next())
            .ok_or_else(|| Error::Invalid("the seal certificate cannot be read".into()))?;
        new.check()?;
        let holder = names::user_name(&new.holder)?;
        let name = match new.name.clone() {
            Some(n) => n,
            None => first_cn(cert.subject()),
        };
        // Every registered seal has a picture — given, or drawn from its name — because the
        // seal data binds one to the certificate.
        let picture = match &new.picture_png {
            Some(p) => {
                docseal::pictures::SealPicture::from_png(p.clone())
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                p.clone()
            }
            None => docseal::pictures::render_png(&docseal::pictures::SealSpec::new(&name))
                .map_err(|e| Error::Invalid(e.to_string()))?,
        };
        let picture_sha256 = Some(audit::hex(&Sha256::digest(&picture)));
        let t = now();
        let seseal = self.make_seal_data(&id, &name, &cert, &picture, t)?;
        let seal = Seal {
            id: id.clone(),
            name,
            unit: new.unit.clone(),
            kind: new.kind.clone(),
            holder,
            cert_pem: pem(cert.der()),
            fingerprint: cert.fingerprint_sha256(),
            serial_hex: cert.serial_hex(),
            picture_b64: Some(B64.encode(&picture)),
            picture_sha256,
            policy: serde_json::json!({
                "approval": if new.approval_required { "required" } else { "none" }
            })
            .to_string(),
            token_uri: new.token_uri.clone(),
            status: Status::Active,
            status_at: t,
            status_reason: None,
            revoked_at: None,
            created_at: t,
            seseal_b64: Some(B64.encode(&seseal)),
        };
        let mut tx = self.store.pool().begin().await?;
        let dup = sqlx::query(
            &self
                .store
                .sql("SELECT id FROM seals WHERE fingerprint = $1"),
        )
        .bind(&seal.fingerprint)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = dup {
            return Err(Error::Invalid(format!(
                "this certificate is registered already, as seal {}",
                r.try_get::<String, _>(0)?
            )));
        }
        sqlx::query(&self.store.sql(&format!(
            "INSERT INTO seals ({SEAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        )))
        .bind(&seal.id)
        .bind(&seal.name)
        .bind(&seal.unit)
        .bind(&seal.kind)
        .bind(&seal.holder)
        .bind(&seal.cert_pem)
        .bind(&seal.fingerprint)
        .bind(&seal.serial_hex)
        .bind(&seal.picture_b64)
        .bind(&seal.picture_sha256)
        .bind(&seal.policy)
        .bind(&seal.token_uri)
        .bind(seal.status.as_str())
        .bind(seal.status_at)
        .bind(&seal.status_reason)
        .bind(seal.revoked_at)
        .bind(seal.created_at)
        .bind(&seal.seseal_b64)
        .execute(&mut *tx)
        .await?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "seal-add".into(),
                seal_id: Some(id),
                outcome: "ok".into(),
                detail: Some(format!("{} held by {}", seal.name, seal.holder)),
                ..Event::default()
            },
            false,
        )
        .await?;
        Ok(seal)
    }

    /// The seal data (GB/T 38540-2020 SESeal) of a seal: its id, name, the certificate allowed
    /// to use it, its picture and size, its validity (the certificate's), signed by the CA as
    /// the seal's maker.
    fn make_seal_data(
        &self,
        id: &str,
        name: &str,
        cert: &docseal::Cert,
        picture: &[u8],
        at: i64,
    ) -> Result<Vec<u8>> {
        let (width_mm, height_mm) = docseal::pictures::size_mm(picture).unwrap_or((42, 42));
        let new = docseal::seal_data::NewSeal {
            id,
            name,
            vendor: "docseal",
            certs: &[cert.der()],
            picture_png: picture,
            width_mm,
            height_mm,
            created: time::OffsetDateTime::from_unix_timestamp(at)
                .map_err(|e| Error::Invalid(e.to_string()))?,
            valid_from: cert.not_before(),
            valid_to: cert.not_after(),
        };
        let maker = self.maker()?;
        docseal::seal_data::make(&new, maker.cert_der(), |tbs| {
            maker.sign(tbs).map_err(|e| e.to_string())
        })
        .map_err(|e| Error::Crypto(e.to_string()))
    }

    /// Makes a seal on a keeper's token: a key generated there (never extractable), a PKCS#10
    /// request signed there (the token proves it holds the key), the certificate issued from it
    /// and written back beside the key, and the seal registered with the token's URI.
    pub async fn enroll(&self, actor: &Actor, e: Enrollment, mut new: NewSeal) -> Result<Seal> {
        use docseal::keys as keygen;
        actor.require(Role::Administrator, "enrolling a seal")?;
        new.check()?;
        if let Some(t) = &e.text {
            names::label("the line under the seal's star", t, 60)?;
        }
        let name = new
            .name
            .clone()
            .ok_or_else(|| Error::Invalid("a new seal needs a name".into()))?;
        let label = e.label.clone().unwrap_or_else(|| name.clone());
        let uri = keygen::Pkcs11Uri::parse(&e.token).map_err(|x| Error::Invalid(x.to_string()))?;
        new.token_uri = Some(format!(
            "pkcs11:token={};object={}",
            uri_text(uri.token.as_deref().unwrap_or("")),
            uri_text(&label)
        ));
        // One seal of a name per center (revoked ones aside: a lost seal's replacement takes
        // its name), and one key of a label per token — claimed before the token is touched,
        // so a second enrolment started meanwhile is refused, not run beside the first.
        let key = names::skeleton(&name);
        let same = self
            .seals()
            .await?
            .into_iter()
            .find(|s| s.status != Status::Revoked && names::skeleton(&s.name) == key);
        if let Some(s) = same {
            return Err(Error::Invalid(format!(
                "seal {} is named {} already",
                s.id,
                names::for_terminal(&s.name)
            )));
        }
        let token = uri.token.clone().unwrap_or_default();
        let claims = crate::claims::Claims::take(
            &self.store,
            vec![
                format!("seal:{key}"),
                format!("key:{}/{}", names::skeleton(&token), label),
            ],
            |k| {
                if k.starts_with("seal:") {
                    format!("a seal named {}", names::for_terminal(&name))
                } else {
                    format!(
                        "a key labelled {} on token {}",
                        names::for_terminal(&label),
                        names::for_terminal(&token)
                    )
                }
            },
        )
        .await?;
        let made = self.enroll_claimed(actor, e, new, uri, label).await;
        claims.release().await;
        made
    }

    /// [`Center::enroll`] once the name and the label are claimed.
    async fn enroll_claimed(
        &self,
        actor: &Actor,
        e: Enrollment,
        mut new: NewSeal,
        uri: docseal::keys::Pkcs11Uri,
        label: String,
    ) -> Result<Seal> {
        use docseal::keys as keygen;
        let name = new.name.clone().unwrap_or_default();
        // Drawing the picture and the token's work (key generation, which takes seconds for RSA
        // on some tokens, and the signed request) block: they run on a blocking thread so that
        // the server's workers keep answering meanwhile.
        let picture = new.picture_png.take();
        let days = e.days;
        let (pair, csr, picture) = off_thread(move || {
            // The picture is made before the token is touched.
            let picture = match picture {
                Some(p) => p,
                None => {
                    let mut spec = docseal::pictures::SealSpec::new(&name);
                    spec.text = e.text.clone();
                    docseal::pictures::render_png(&spec)
                        .map_err(|x| Error::Invalid(x.to_string()))?
                }
            };
            let pair = keygen::generate(&uri, &label, e.key_type, &e.pin).map_err(Error::token)?;
            let csr = crate::csr::request(&pair, &name)?;
            Ok((pair, csr, picture))
        })
        .await?;
        new.picture_png = Some(picture);
        let seal = self.issue_from_request(actor, &csr, new, days).await?;
        let der = docseal::Cert::load_all(seal.cert_pem.as_bytes())
            .ok()
            .and_then(|c| c.into_iter().next())
            .map(|c| c.der().to_vec())
            .ok_or_else(|| Error::Crypto("the issued certificate cannot be read".into()))?;
        off_thread(move || pair.store_certificate(&der).map_err(Error::token)).await?;
        Ok(seal)
    }

    /// Issues a seal certificate for `spki_der` with this center's CA and registers it.
    pub async fn issue_seal(
        &self,
        actor: &Actor,
        spki_der: &[u8],
        mut new: NewSeal,
        valid_days: i64,
    ) -> Result<Seal> {
        actor.require(Role::Administrator, "issuing a seal")?;
        new.check()?;
        let name = new
            .name
            .clone()
            .ok_or_else(|| Error::Invalid("a new seal needs a name".into()))?;
        // The id goes into the certificate, so it is chosen first and registered with it.
        let id = new_seal_id()?;
        new.cert_pem = self.ca.issue_seal(
            spki_der,
            &SealSubject {
                id: &id,
                name: &name,
                unit: new.unit.as_deref(),
            },
            &self.config.crl_url,
            valid_days,
        )?;
        self.register(actor, new, id).await
    }

    pub async fn seals(&self) -> Result<Vec<Seal>> {
        let rows = sqlx::query(&format!(
            "SELECT {SEAL_COLUMNS} FROM seals ORDER BY created_at, id"
        ))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(Seal::from_row).collect()
    }

    pub async fn seal(&self, id: &str) -> Result<Seal> {
        seal_in(&self.store, id).await
    }

    /// The seal, as `actor` may see it: a keeper sees only the seals they keep.
    pub async fn seal_for(&self, actor: &Actor, id: &str) -> Result<Seal> {
        let seal = self.seal(id).await?;
        if actor.role == Role::Keeper && seal.holder != actor.name {
            return Err(Error::Forbidden(format!(
                "seal {id} is kept by someone else than {}",
                actor.name
            )));
        }
        Ok(seal)
    }

    /// The seal whose certificate has this SHA-256 fingerprint (hex, either case).
    pub async fn seal_by_fingerprint(&self, fingerprint: &str) -> Result<Seal> {
        // Kept as `Cert::fingerprint_sha256` writes it: upper-case hex.
        let f = fingerprint.trim().to_ascii_uppercase();
        if f.len() != 64 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Invalid(
                "a certificate fingerprint is 64 hexadecimal digits (SHA-256)".into(),
            ));
        }
        let row = sqlx::query(&self.store.sql(&format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE fingerprint = $1"
        )))
        .bind(&f)
        .fetch_optional(self.store.pool())
        .await?;
        match row {
            Some(r) => Seal::from_row(&r),
            None => Err(Error::NoSuchSeal(format!("certificate {f}"))),
        }
    }

    /// A seal that may be used now, read from a data directory's store without opening the CA
    /// (whose key may sit on a token that needs a PIN): what a stamp with `--data-dir` needs.
    pub async fn usable_seal_in(dir: &Path, id: &str) -> Result<Seal> {
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.exists() {
            return Err(Error::NotInitialised(dir.display().to_string()));
        }
        let config: Config = serde_json::from_slice(&files::read(&config_path)?)
            .map_err(|e| Error::Io(format!("{} is damaged: {e}", config_path.display())))?;
        let store = match &config.database {
            Some(url) => Store::postgres(url).await?,
            None => Store::sqlite(&dir.join(DB_FILE)).await?,
        };
        active(seal_in(&store, id).await?)
    }

    /// Reports a seal lost or stolen: suspended at once, on the CRL with reason certificateHold
    /// from the report time. Its keeper or an administrator may report.
    pub async fn suspend(&self, actor: &Actor, id: &str, reason: Reason) -> Result<Seal> {
        let seal = self.seal(id).await?;
        if actor.role != Role::Administrator
            && !(actor.role == Role::Keeper && actor.name == seal.holder)
        {
            return Err(Error::Forbidden(format!(
                "only seal {id}'s keeper or an administrator may report it"
            )));
        }
        self.transition(actor, seal, Status::Suspended, Some(reason), "seal-suspend")
            .await
    }

    /// The token was found: the seal leaves the CRL.
    pub async fn reinstate(&self, actor: &Actor, id: &str) -> Result<Seal> {
        actor.require(Role::Administrator, "reinstating a seal")?;
        let seal = self.seal(id).await?;
        self.transition(actor, seal, Status::Active, None, "seal-reinstate")
            .await
    }

    /// Revokes for good. A suspended seal keeps its report time as the revocation time, so that
    /// what was sealed after the report stays invalid.
    pub async fn revoke(&self, actor: &Actor, id: &str, reason: Reason) -> Result<Seal> {
        actor.require(Role::Administrator, "revoking a seal")?;
        let seal = self.seal(id).await?;
        self.transition(actor, seal, Status::Revoked, Some(reason), "seal-revoke")
            .await
    }

    async fn transition(
        &self,
        actor: &Actor,
        seal: Seal,
        to: Status,
        reason: Option<Reason>,
        action: &str,
    ) -> Result<Seal> {
        let allowed = matches!(
            (seal.status, to),
            (Status::Active, Status::Suspended)
                | (Status::Active, Status::Revoked)
                | (Status::Suspended, Status::Revoked)
                | (Status::Suspended, Status::Active)
        );
        if !allowed {
            return Err(Error::BadTransition {
                seal: seal.id.clone(),
                from: seal.status.as_str().into(),
                to: to.as_str().into(),
            });
        }
        let t = now();
        let revoked_at = match (seal.status, to) {
            (Status::Suspended, Status::Revoked) => Some(seal.status_at),
            (_, Status::Revoked) => Some(t),
            _ => None,
        };
        let mut tx = self.store.pool().begin().await?;
        // The status is compared again inside the transaction: two administrators acting at once
        // on two center instances cannot both move the seal from the same state.
        let done = sqlx::query(&self.store.sql(
            "UPDATE seals SET status = $1, status_at = $2, status_reason = $3, revoked_at = $4 WHERE id = $5 AND status = $6",
        ))
        .bind(to.as_str())
        .bind(t)
        .bind(reason.map(|r| r.as_str().to_string()))
        .bind(revoked_at)
        .bind(&seal.id)
        .bind(seal.status.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(Error::BadTransition {
                seal: seal.id.clone(),
                from: "changed by someone else meanwhile".into(),
                to: to.as_str().into(),
            });
        }
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: action.into(),
                seal_id: Some(seal.id.clone()),
                outcome: "ok".into(),
                detail: reason.map(|r| r.as_str().to_string()),
                ..Event::default()
            },
            true,
        )
        .await?;
        self.seal(&seal.id).await
    }

    /// Refuses a seal that may not be used, before any token is touched.
    pub async fn check_usable(&self, id: &str) -> Result<Seal> {
        active(self.seal(id).await?)
    }

    /// Appends a client's report (a stamp, a verification) to the audit log, once per
    /// `event_id`: a report sent again is answered with the row it made the first time. The
    /// answer carries the signed head the log has now, which the client keeps; `seen` is the
    /// newest head this client was shown before, and a log that no longer holds it is refused
    /// as rolled back (a second anchor, on every client's disk).
    pub async fn record(
        &self,
        actor: &Actor,
        event_id: &str,
        mut event: Event,
        seen: Option<&Head>,
    ) -> Result<(i64, Head)> {
        if event_id.is_empty() || event_id.len() > 100 {
            return Err(Error::Invalid(
                "a report needs an event id of 1 to 100 characters".into(),
            ));
        }
        if seen.is_some_and(|h| !h.signed_by(&self.ca)) {
            return Err(Error::Invalid(
                "the audit head the client sent is not signed by this center".into(),
            ));
        }
        if !matches!(actor.role, Role::Administrator | Role::Keeper) {
            return Err(Error::Forbidden(format!(
                "reports come from keepers and administrators; {} is {}",
                actor.name,
                actor.role.as_str()
            )));
        }
        if let Some(id) = &event.seal_id {
            let seal = self.seal(id).await?;
            if !(actor.role == Role::Administrator
                || (actor.role == Role::Keeper && seal.holder == actor.name))
            {
                return Err(Error::Forbidden(format!(
                    "{} does not keep seal {id}",
                    actor.name
                )));
            }
        }
        event.actor = actor.name.clone();
        let anchors = self.anchors(seen)?;
        let mut tx = self.store.pool().begin().await?;
        audit::lock(&mut tx).await?;
        let first = sqlx::query(
            &self
                .store
                .sql("SELECT seq FROM client_events WHERE event_id = $1"),
        )
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = first {
            audit::check_anchors(&mut tx, &self.store, &self.ca, &anchors).await?;
            let head = audit::head_in(&mut tx)
                .await?
                .ok_or_else(|| Error::AuditBroken {
                    seq: 1,
                    reason: "the log has rows but no signed head".into(),
                })?;
            return Ok((r.try_get(0)?, head));
        }
        let (entry, head) =
            audit::append(&mut tx, &self.store, &self.ca, &event, now(), &anchors).await?;
        sqlx::query(
            &self
                .store
                .sql("INSERT INTO client_events (event_id, seq) VALUES ($1, $2)"),
        )
        .bind(event_id)
        .bind(entry.seq)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.after_commit(Some(&head), None)?;
        Ok((entry.seq, head))
    }

    /// A session for `actor`: a random bearer token, kept only as its SHA-256, valid `hours`.
    pub async fn open_session(&self, actor: &Actor, hours: i64) -> Result<(String, i64)> {
        let mut raw = [0u8; 32];
        getrandom::getrandom(&mut raw).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
        let token = audit::hex(&raw);
        let expires = now() + hours * 3600;
        let t = now();
        let mut tx = self.store.pool().begin().await?;
        sqlx::query(&self.store.sql("DELETE FROM sessions WHERE expires_at < $1"))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            &self.store.sql(
                "INSERT INTO sessions (token_sha256, user_name, expires_at) VALUES ($1, $2, $3)",
            ),
        )
        .bind(audit::hex(&Sha256::digest(token.as_bytes())))
        .bind(&actor.name)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((token, expires))
    }

    /// Who holds the bearer `token`, if it is a live session of an enabled user.
    /// Ends a session (logging out).
    pub async fn close_session(&self, token: &str) -> Result<()> {
        sqlx::query(
            &self
                .store
                .sql("DELETE FROM sessions WHERE token_sha256 = $1"),
        )
        .bind(audit::hex(&Sha256::digest(token.as_bytes())))
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    pub async fn session(&self, token: &str) -> Result<Actor> {
        let row = sqlx::query(&self.store.sql(
            "SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.disabled = 0",
        ))
        .bind(audit::hex(&Sha256::digest(token.as_bytes())))
        .bind(now())
        .fetch_optional(self.store.pool())
        .await?;
        match row {
            Some(r) => Ok(Actor {
                name: r.try_get(0)?,
                role: Role::parse(&r.try_get::<String, _>(1)?)?,
            }),
            None => Err(Error::BadLogin),
        }
    }

    /// Signs a new CRL inside the caller's transaction (every change of revocation state).
    async fn issue_crl(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<Vec<u8>> {
        sqlx::query("UPDATE crl SET number = number WHERE id = 1")
            .execute(&mut **tx)
            .await?;
        let last: Option<i64> = sqlx::query("SELECT number FROM crl WHERE id = 1")
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let number = last.unwrap_or(0) + 1;
        let rows = sqlx::query(&format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE status <> 'active' ORDER BY id"
        ))
        .fetch_all(&mut **tx)
        .await?;
        let mut revoked = Vec::new();
        for r in &rows {
            let s = Seal::from_row(r)?;
            let serial = unhex(&s.serial_hex)?;
            let (reason, at) = match s.status {
                Status::Suspended => (rcgen::RevocationReason::CertificateHold, s.status_at),
                _ => (
                    s.status_reason
                        .as_deref()
                        .map(Reason::parse)
                        .transpose()?
                        .map(Reason::crl_reason)
                        .unwrap_or(rcgen::RevocationReason::Unspecified),
                    s.revoked_at.unwrap_or(s.status_at),
                ),
            };
            revoked.push(rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from_slice(&serial),
                revocation_time: time::OffsetDateTime::from_unix_timestamp(at)
                    .map_err(|e| Error::Store(e.to_string()))?,
                reason_code: Some(reason),
                invalidity_date: None,
            });
        }
        let der = self.ca.crl(number as u64, revoked)?;
        let sql = if last.is_some() {
            "UPDATE crl SET number = $1, issued_at = $2, der_b64 = $3 WHERE id = 1"
        } else {
            "INSERT INTO crl (number, issued_at, der_b64, id) VALUES ($1, $2, $3, 1)"
        };
        sqlx::query(&self.store.sql(sql))
            .bind(number)
            .bind(now())
            .bind(B64.encode(&der))
            .execute(&mut **tx)
            .await?;
        Ok(der)
    }

    /// The current CRL (DER), re-issued first when it is a day old.
    pub async fn crl(&self) -> Result<Vec<u8>> {
        let row = sqlx::query("SELECT issued_at, der_b64 FROM crl WHERE id = 1")
            .fetch_optional(self.store.pool())
            .await?;
        if let Some(r) = &row {
            if now() - r.try_get::<i64, _>(0)? < 86_400 {
                return B64
                    .decode(r.try_get::<String, _>(1)?)
                    .map_err(|e| Error::Store(format!("stored CRL: {e}")));
            }
        }
        let mut tx = self.store.pool().begin().await?;
        let der = self.issue_crl(&mut tx).await?;
        tx.commit().await?;
        self.after_commit(None, Some(&der))?;
        Ok(der)
    }

    pub async fn audit(&self, filter: &audit::Filter) -> Result<Vec<audit::Entry>> {
        audit::list(&self.store, filter).await
    }

    /// Checks the whole chain against the store's signed head, the data directory's copy, and a
    /// head a client was shown (`seen`). Appends nothing: a check must not itself sign a new
    /// head over what it is checking.
    pub async fn verify_audit(&self, seen: Option<&Head>) -> Result<audit::Verified> {
        let mut heads: Vec<Head> = audit::head(&self.store).await?.into_iter().collect();
        heads.extend(self.anchors(seen)?);
        audit::verify(&self.store, &self.ca, &heads).await
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

/// A fresh seal id: "seal-" and ten hex digits.
fn new_seal_id() -> Result<String> {
    let mut b = [0u8; 5];
    getrandom::getrandom(&mut b).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
    Ok(format!("seal-{}", audit::hex(&b)))
}

fn unhex(s: &str) -> Result<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| Error::Store(format!("bad serial {s:?}")))
        })
        .collect()
}

fn pem(der: &[u8]) -> String {
    let b = B64.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn ca_subject(ca: &Ca) -> String {
    docseal::Cert::from_der(ca.cert_der().to_vec())
        .map(|c| c.subject())
        .unwrap_or_default()
}

/// The CN of an RFC 4514 string, or the whole string.
fn first_cn(subject: String) -> String {
    subject
        .split(',')
        .find_map(|p| p.trim().strip_prefix("CN="))
        .map(str::to_string)
        .unwrap_or(subject)
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

/// A `pkcs11:` URI path attribute value (RFC 7512 §2.3: anything but unreserved is %-encoded).
fn uri_text(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn seal_in(store: &Store, id: &str) -> Result<Seal> {
    let row = sqlx::query(&store.sql(&format!("SELECT {SEAL_COLUMNS} FROM seals WHERE id = $1")))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    match row {
        Some(r) => Seal::from_row(&r),
        None => Err(Error::NoSuchSeal(id.to_string())),
    }
}

/// The seal, if it may be used now; `SealNotActive` naming its status otherwise.
fn active(seal: Seal) -> Result<Seal> {
    if seal.status != Status::Active {
        return Err(Error::SealNotActive {
            seal: seal.id.clone(),
            status: seal.status.as_str().into(),
        });
    }
    Ok(seal)
}
