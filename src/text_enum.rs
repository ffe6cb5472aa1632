//! Statuses, kinds and units: Rust enums stored in text columns and shown as enums in the spec.
//! One way to declare them, [`text_enum!`](crate::text_enum!): the text of each variant is
//! written once and serves SQL (diesel `ToSql`/`FromSql` for `Text`), JSON (serde) and the
//! OpenAPI enum (utoipa).

/// An enum with one text per variant.
pub trait TextEnum: Sized + Copy + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
    /// The variant written `s`, if any.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// Declares a text-backed enum: [`TextEnum`], serde (both ways), the OpenAPI enum and the
/// mapping to a `Text` column. A stored text no variant has fails the row's load (logged, 500).
///
/// Each text is a `tt` (a string literal): a `literal` fragment would reach the derives wrapped
/// in an invisible group, which utoipa does not read (it would show the variant names).
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $vis:vis $name:ident { $($(#[$vm:meta])* $variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name { $($(#[$vm])* #[serde(rename = $text)] $variant),+ }

        impl $crate::text_enum::TextEnum for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::text_enum::TextEnum::as_str(*self))
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = std::str::from_utf8(value.as_bytes())?;
                <Self as $crate::text_enum::TextEnum>::parse(s)
                    .ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)).into())
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all($crate::text_enum::TextEnum::as_str(*self).as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::TextEnum;

    crate::text_enum!(
        /// Test colours.
        Colour {
            Red => "red",
            DarkBlue => "dark_blue",
        }
    );

    #[test]
    fn texts_round_trip_through_parse_serde_and_display() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            let back: Colour = serde_json::from_value(c.as_str().into()).unwrap();
            assert_eq!(back, *c);
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        assert_eq!(Colour::parse("DarkBlue"), None);
        assert!(serde_json::from_value::<Colour>("blue".into()).is_err());
    }

    #[test]
    fn the_spec_shows_the_texts() {
        let schema = serde_json::to_value(<Colour as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["red", "dark_blue"]));
        assert_eq!(schema["description"], "Test colours.");
    }
}
