//! Seals registered: a certificate the center issues (from a request, on a token it enrolls,
//! or brought along), the GB/T 38540 seal data it makes for it, and the seals read back.

use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::Path;

use super::core::{first_cn, off_thread, Center, Config, B64, CONFIG_FILE, DB_FILE};
use crate::audit::{self, Event};
use crate::ca::SealSubject;
use crate::error::{Error, Result};
use crate::files;
use crate::names;
use crate::registry::{Actor, Role, Seal, Status, SEAL_COLUMNS};
use crate::store::Store;
use docseal_center_client::clock::now;

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
    pub(super) fn check(&self) -> Result<()> {
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

impl Center {
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

    pub(super) async fn register(&self, actor: &Actor, new: NewSeal, id: String) -> Result<Seal> {
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
    pub(super) fn make_seal_data(
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
    pub(super) async fn enroll_claimed(
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

    /// Refuses a seal that may not be used, before any token is touched.
    pub async fn check_usable(&self, id: &str) -> Result<Seal> {
        active(self.seal(id).await?)
    }
}

/// A fresh seal id: "seal-" and ten hex digits.
fn new_seal_id() -> Result<String> {
    let mut b = [0u8; 5];
    getrandom::getrandom(&mut b).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
    Ok(format!("seal-{}", audit::hex(&b)))
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
pub(super) fn active(seal: Seal) -> Result<Seal> {
    if seal.status != Status::Active {
        return Err(Error::SealNotActive {
            seal: seal.id.clone(),
            status: seal.status.as_str().into(),
        });
    }
    Ok(seal)
}
