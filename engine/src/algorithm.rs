//! Digest and signature algorithms, by their XML-DSig URIs. SHA-1 is read (Office 2007/2010
//! wrote it) but never written.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => DigestAlg::Sha1,
            "http://www.w3.org/2001/04/xmlenc#sha256" => DigestAlg::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => DigestAlg::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => DigestAlg::Sha512,
            _ => return None,
        })
    }
    /// The short name used in reports: "sha256".
    pub fn name(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "sha1",
            DigestAlg::Sha256 => "sha256",
            DigestAlg::Sha384 => "sha384",
            DigestAlg::Sha512 => "sha512",
        }
    }
    pub fn uri(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            DigestAlg::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            DigestAlg::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            DigestAlg::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// A running digest of any of our algorithms.
pub enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    pub fn new(alg: DigestAlg) -> Self {
        match alg {
            DigestAlg::Sha1 => Hasher::Sha1(Sha1::new()),
            DigestAlg::Sha256 => Hasher::Sha256(Sha256::new()),
            DigestAlg::Sha384 => Hasher::Sha384(Sha384::new()),
            DigestAlg::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// A signature algorithm: key type plus digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlg {
    Rsa(DigestAlg),
    Ecdsa(DigestAlg),
}

impl SignatureAlg {
    pub const RSA_SHA256: SignatureAlg = SignatureAlg::Rsa(DigestAlg::Sha256);
    pub const ECDSA_SHA256: SignatureAlg = SignatureAlg::Ecdsa(DigestAlg::Sha256);

    pub fn from_uri(uri: &str) -> Option<Self> {
        use DigestAlg::*;
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => SignatureAlg::Rsa(Sha1),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => SignatureAlg::Rsa(Sha256),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => SignatureAlg::Rsa(Sha384),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => SignatureAlg::Rsa(Sha512),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1" => SignatureAlg::Ecdsa(Sha1),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => SignatureAlg::Ecdsa(Sha256),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => SignatureAlg::Ecdsa(Sha384),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => SignatureAlg::Ecdsa(Sha512),
            _ => return None,
        })
    }
    pub fn uri(self) -> &'static str {
        use DigestAlg::*;
        match self {
            SignatureAlg::Rsa(Sha1) => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            SignatureAlg::Rsa(Sha256) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            SignatureAlg::Rsa(Sha384) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            SignatureAlg::Rsa(Sha512) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            SignatureAlg::Ecdsa(Sha1) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
            SignatureAlg::Ecdsa(Sha256) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            SignatureAlg::Ecdsa(Sha384) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
            SignatureAlg::Ecdsa(Sha512) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
        }
    }
    pub fn digest(self) -> DigestAlg {
        match self {
            SignatureAlg::Rsa(d) | SignatureAlg::Ecdsa(d) => d,
        }
    }
    /// The short name used in reports: "rsa-sha256".
    pub fn name(self) -> String {
        let d = self.digest().name();
        match self {
            SignatureAlg::Rsa(_) => format!("rsa-{d}"),
            SignatureAlg::Ecdsa(_) => format!("ecdsa-{d}"),
        }
    }
}
