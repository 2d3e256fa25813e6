//! One mailbox, one account: the form an email is stored and compared in. The whole address is
//! trimmed and put in Unicode NFC (so `ä` typed composed or decomposed is one address), the
//! local part lower-cased, and the domain mapped by IDNA (UTS #46, what browsers do: fullwidth
//! letters, `。` and case folded) to its ASCII form (`straße.de` is `xn--strae-oqa.de`). Characters
//! drawn as nothing, or control characters, are refused: they would make two addresses that look
//! the same.

use unicode_normalization::UnicodeNormalization;

/// The stored form of `raw`, or why it has none.
pub fn normalize(raw: &str) -> Result<String, &'static str> {
    let nfc: String = raw.trim().nfc().collect();
    if nfc.chars().any(|c| c.is_control() || shared::text::is_invisible(c)) {
        return Err("must not contain invisible or control characters");
    }
    let Some((local, domain)) = nfc.rsplit_once('@') else {
        return Ok(nfc.to_lowercase()); // no domain: the email rule refuses it
    };
    let domain = idna::domain_to_ascii(domain).map_err(|_| "must be a valid email address")?;
    Ok(format!("{}@{domain}", local.to_lowercase()))
}

/// The form to look an email up by at login: [`normalize`]'s, or for an address that has none
/// (it could not have been registered), the trimmed lower case, which matches no one.
pub fn lookup_form(raw: &str) -> String {
    normalize(raw).unwrap_or_else(|_| raw.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_addresses_are_one_address() {
        for variant in
            ["bob@example.com", " Bob@Example.COM ", "bob@ｅｘａｍｐｌｅ.ｃｏｍ", "bob@example。com", "bob@EXAMPLE.com"]
        {
            assert_eq!(normalize(variant).as_deref(), Ok("bob@example.com"), "{variant:?}");
        }
        let nfc = normalize("bob@ex\u{e4}mple.com").unwrap();
        assert_eq!(normalize("bob@exa\u{308}mple.com").unwrap(), nfc, "NFD is NFC");
        assert_eq!(
            normalize(&format!("bob@{}", idna::domain_to_ascii("exämple.com").unwrap())).unwrap(),
            nfc,
            "punycode"
        );
        assert_eq!(normalize("bob@straße.de").unwrap(), normalize("bob@xn--strae-oqa.de").unwrap());
    }

    #[test]
    fn invisible_and_control_characters_are_refused() {
        for variant in
            ["bob@exa\u{ad}mple.com", "bob@exa\u{200b}mple.com", "b\u{feff}ob@example.com", "bob@exam\u{7}ple.com"]
        {
            assert!(normalize(variant).is_err(), "{variant:?}");
            assert_ne!(lookup_form(variant), "bob@example.com", "{variant:?} logs in as no one");
        }
    }
}
