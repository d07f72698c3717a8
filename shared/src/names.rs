//! Name keys for duplicate detection and search.
//!
//! People's names arrive spelt many ways: "O’Neil", "o'neil", "ONeil"; "Zoë", "Zoe";
//! "Smith-Jones", "Smith Jones". [`normalise_name`] maps all of them to one key (lower case,
//! accents folded, everything but letters and digits removed) so that duplicate detection
//! (DESIGN.md §3) and search compare like with like on both SQLite and PostgreSQL, whose own
//! case and accent handling differ. The key is for matching only: the name is stored and
//! shown as typed. Accents are folded by a small table for Latin-1 and Latin Extended-A, which
//! covers the names of the UK and most of Europe without a Unicode-normalisation crate;
//! letters of other scripts are kept, lower-cased.

/// The matching key of a name: "O’Neil-Smith" -> "oneilsmith", "Zoë" -> "zoe".
pub fn normalise_name(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match fold(c) {
            Some(folded) => key.push_str(folded),
            None if c.is_alphanumeric() => key.push(c),
            None => {}
        }
    }
    key
}

/// The words of a search box, each normalised: "O'Neil,  Mary-Jane" -> ["oneil", "maryjane"].
/// Words are split on spaces and commas only, so a hyphenated or apostrophised name stays one
/// word, and is matched against the normalised name as a substring. Empty words are dropped,
/// repeated ones kept once.
pub fn search_tokens(query: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for token in query
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(normalise_name)
    {
        if !token.is_empty() && !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

/// The ASCII spelling of a lower-case accented Latin letter (`None`: keep or drop as is).
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        // Modifier letter apostrophes ("Hawaiʻi", the upper case of 'ŉ'): letters to Unicode,
        // apostrophes in names.
        'ʻ' | 'ʼ' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn apostrophes_hyphens_spaces_and_case_do_not_matter() {
        for name in ["O’Neil", "o'neil", "ONeil", "O Neil", "o-neil", " O‘NEIL. "] {
            assert_eq!(normalise_name(name), "oneil", "{name}");
        }
        assert_eq!(normalise_name("Smith-Jones"), normalise_name("Smith Jones"));
    }

    #[test]
    fn accents_are_folded() {
        assert_eq!(normalise_name("Zoë"), "zoe");
        assert_eq!(normalise_name("ZOË"), "zoe");
        assert_eq!(normalise_name("Zoe\u{308}"), "zoe", "combining diaeresis");
        assert_eq!(normalise_name("Siân Ó Súilleabháin"), "sianosuilleabhain");
        assert_eq!(normalise_name("Müller-Lüdenscheidt"), "mullerludenscheidt");
        assert_eq!(normalise_name("Straße"), "strasse");
        assert_eq!(normalise_name("Łukasz Wałęsa"), "lukaszwalesa");
        assert_eq!(normalise_name("Dvořák"), "dvorak");
        assert_eq!(normalise_name("Œdipe Ærø"), "oedipeaero");
        assert_eq!(normalise_name("Gwenllïan ap Ŵyn"), "gwenllianapwyn");
        assert_eq!(normalise_name("İlkay"), "ilkay");
    }

    #[test]
    fn other_scripts_are_kept_lower_cased() {
        assert_eq!(normalise_name("Σοφία"), "σοφία");
        assert_eq!(normalise_name("Агата"), "агата");
        assert_eq!(normalise_name("!?"), "");
    }

    #[test]
    fn search_tokens_split_on_spaces_and_commas() {
        assert_eq!(search_tokens("O'Neil,  Mary-Jane"), ["oneil", "maryjane"]);
        assert_eq!(search_tokens("  smith SMITH , "), ["smith"]);
        assert!(search_tokens(" - , ").is_empty());
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent_and_ascii_for_latin(name in "[A-Za-zÀ-ÖØ-öø-ſ '’.-]{0,30}") {
            let key = normalise_name(&name);
            prop_assert_eq!(normalise_name(&key), key.clone());
            prop_assert!(key.chars().all(|c| c.is_ascii_lowercase()), "{}", key);
            prop_assert_eq!(normalise_name(&name.to_uppercase()), key);
        }
    }
}
