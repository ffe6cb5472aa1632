//! Normalising and masking citizens' names and phone numbers.

/// The digits of a phone number as the blind index sees it: spaces, dashes, dots and brackets
/// dropped, a leading `+86`/`0086` country code dropped. `None` unless 5-15 digits remain.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let mut digits = String::with_capacity(raw.len());
    for (i, c) in raw.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let plus = raw.trim().starts_with('+');
    let digits = if plus {
        digits.strip_prefix("86").map(str::to_owned)?
    } else if let Some(rest) = digits.strip_prefix("0086") {
        rest.to_owned()
    } else {
        digits
    };
    (5..=15).contains(&digits.len()).then_some(digits)
}

/// `13812341234` → `138****1234`; shorter numbers keep their last two digits.
pub fn mask_phone(normalized: &str) -> String {
    let chars: Vec<char> = normalized.chars().collect();
    let n = chars.len();
    if n >= 11 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(n - 7))
    } else {
        let keep = 2.min(n);
        let tail: String = chars[n - keep..].iter().collect();
        format!("{}{tail}", "*".repeat(n - keep))
    }
}

/// `张三` → `张*`, `欧阳小明` → `欧***`, `Li Lei` → `L*****`: the first character stays.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            normalize_phone("138 1234-1234").as_deref(),
            Some("13812341234")
        );
        assert_eq!(
            normalize_phone("+86 13812341234").as_deref(),
            Some("13812341234")
        );
        assert_eq!(
            normalize_phone("008613812341234").as_deref(),
            Some("13812341234")
        );
        assert_eq!(
            normalize_phone("(0571) 8888-1234").as_deref(),
            Some("057188881234")
        );
        assert_eq!(normalize_phone("12345").as_deref(), Some("12345"));
        assert_eq!(normalize_phone("1234"), None);
        assert_eq!(normalize_phone("1381234123x"), None);
        assert_eq!(normalize_phone("+1 555 0100"), None);
        assert_eq!(normalize_phone("1".repeat(16).as_str()), None);
    }

    #[test]
    fn phones_and_names_are_masked() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("057188881234"), "057*****1234");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳小明"), "欧***");
        assert_eq!(mask_name("王"), "王*");
        assert_eq!(mask_name(" Li Lei "), "L*****");
        assert_eq!(mask_name(""), "");
    }
}
