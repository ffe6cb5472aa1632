//! `src/db/schema.rs` is written by hand in `diesel print-schema` format (diesel_cli needs libpq,
//! which the project does without), so this test does what `print-schema` would: it compares
//! every `diesel::table!` with the tables the migrations really create.

use crate::helpers::*;
use diesel::QueryableByName;
use diesel::sql_types::{Integer, Text};
use diesel_async::RunQueryDsl;
use std::collections::BTreeMap;

/// One table as `schema.rs` declares it or as the database has it.
#[derive(Debug, Default, PartialEq)]
struct Table {
    primary_key: Vec<String>,
    /// Column name → (PostgreSQL type as `udt_name`, e.g. `int4` or `_uuid`, nullable).
    columns: BTreeMap<String, (String, bool)>,
}

/// The PostgreSQL type (`information_schema.columns.udt_name`) of a diesel SQL type; arrays
/// are `_` + the element type. `None` for a type this test does not know yet.
fn pg_type(diesel: &str) -> Option<String> {
    if let Some(inner) = diesel
        .strip_prefix("Array<")
        .and_then(|t| t.strip_suffix('>'))
    {
        // Element nullability is not visible in information_schema; print-schema writes
        // `Array<Nullable<T>>` and hand-written schemas often `Array<T>`: both are fine.
        let inner = inner
            .strip_prefix("Nullable<")
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(inner);
        return pg_type(inner).map(|t| format!("_{t}"));
    }
    let pg = match diesel {
        "Uuid" => "uuid",
        "Text" | "Varchar" | "VarChar" => "text",
        "Int2" | "SmallInt" => "int2",
        "Int4" | "Integer" => "int4",
        "Int8" | "BigInt" => "int8",
        "Float4" | "Float" => "float4",
        "Float8" | "Double" => "float8",
        "Numeric" => "numeric",
        "Bool" => "bool",
        "Date" => "date",
        "Time" => "time",
        "Timestamp" => "timestamp",
        "Timestamptz" => "timestamptz",
        "Interval" => "interval",
        "Json" => "json",
        "Jsonb" => "jsonb",
        "Bytea" | "Binary" => "bytea",
        "Inet" => "inet",
        _ => return None,
    };
    Some(pg.to_owned())
}

/// Parses every `diesel::table! { name (pk, ...) { col -> Type, ... } }` block.
fn parse_schema_rs(text: &str) -> Result<BTreeMap<String, Table>, String> {
    let mut tables = BTreeMap::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        let header = lines
            .by_ref()
            .find(|l| !(skipped(l) || l.starts_with('#')))
            .ok_or("table! without a header")?;
        let (name, rest) = header
            .split_once('(')
            .ok_or_else(|| format!("cannot read table header `{header}`"))?;
        let (pk, _) = rest
            .split_once(')')
            .ok_or_else(|| format!("cannot read primary key in `{header}`"))?;
        let mut table = Table {
            primary_key: pk.split(',').map(|c| unraw(c.trim())).collect(),
            ..Table::default()
        };
        let mut sql_name = None;
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            if let Some(n) = line
                .strip_prefix("#[sql_name = \"")
                .and_then(|n| n.strip_suffix("\"]"))
            {
                sql_name = Some(n.to_owned());
                continue;
            }
            if skipped(line) || line.starts_with('#') {
                continue;
            }
            let (column, ty) = line
                .trim_end_matches(',')
                .split_once("->")
                .ok_or_else(|| format!("cannot read column `{line}` of {name}"))?;
            let ty = ty.trim();
            let (ty, nullable) = match ty
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            let pg = pg_type(ty).ok_or_else(|| format!("{name}: unknown diesel type `{ty}`"))?;
            let column = sql_name.take().unwrap_or_else(|| unraw(column.trim()));
            table.columns.insert(column, (pg, nullable));
        }
        tables.insert(name.trim().to_owned(), table);
    }
    Ok(tables)
}

/// Blank lines, comments and `use` lines inside a `table!`.
fn skipped(line: &str) -> bool {
    line.is_empty() || line.starts_with("//") || line.starts_with("use ")
}

/// `r#type` → `type`.
fn unraw(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_owned()
}

#[derive(QueryableByName)]
struct DbColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    udt_name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct DbKeyColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    position: i32,
}

/// The base tables of schema `public` (diesel's own bookkeeping table left out).
async fn database_tables(app: &TestApp) -> BTreeMap<String, Table> {
    let mut conn = app.db().await;
    let columns: Vec<DbColumn> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name,
                c.udt_name::text AS udt_name, c.is_nullable = 'YES' AS nullable
           FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
            AND c.table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let keys: Vec<DbKeyColumn> = diesel::sql_query(
        "SELECT k.table_name::text AS table_name, k.column_name::text AS column_name,
                k.ordinal_position::int4 AS position
           FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage k
             ON k.constraint_schema = tc.constraint_schema
            AND k.constraint_name = tc.constraint_name
            AND k.table_name = tc.table_name
          WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'
            AND tc.table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for c in columns {
        tables
            .entry(c.table_name)
            .or_default()
            .columns
            .insert(c.column_name, (c.udt_name, c.nullable));
    }
    let mut keys: Vec<_> = keys.into_iter().collect();
    keys.sort_by_key(|k| k.position);
    for k in keys {
        tables
            .entry(k.table_name)
            .or_default()
            .primary_key
            .push(k.column_name);
    }
    tables
}

fn show(ty: &(String, bool)) -> String {
    if ty.1 {
        format!("{} (nullable)", ty.0)
    } else {
        format!("{} (not null)", ty.0)
    }
}

/// Every difference between what schema.rs declares and what the database has.
fn differences(declared: &BTreeMap<String, Table>, db: &BTreeMap<String, Table>) -> Vec<String> {
    let mut out = Vec::new();
    for name in db.keys().filter(|n| !declared.contains_key(*n)) {
        out.push(format!(
            "table {name}: in the database, missing from schema.rs"
        ));
    }
    for (name, want) in declared {
        let Some(have) = db.get(name) else {
            out.push(format!("table {name}: in schema.rs, not in the database"));
            continue;
        };
        if want.primary_key != have.primary_key {
            out.push(format!(
                "table {name}: primary key ({}) in schema.rs, ({}) in the database",
                want.primary_key.join(", "),
                have.primary_key.join(", ")
            ));
        }
        for (column, ty) in &have.columns {
            match want.columns.get(column) {
                None => out.push(format!(
                    "{name}.{column}: in the database ({}), missing from schema.rs",
                    show(ty)
                )),
                Some(declared) if declared != ty => out.push(format!(
                    "{name}.{column}: {} in schema.rs, {} in the database",
                    show(declared),
                    show(ty)
                )),
                Some(_) => {}
            }
        }
        for column in want.columns.keys() {
            if !have.columns.contains_key(column) {
                out.push(format!(
                    "{name}.{column}: in schema.rs, not in the database"
                ));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_rs_matches_the_migrated_database() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs");
    let declared = parse_schema_rs(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        declared.len() >= 20,
        "parsed only {} tables",
        declared.len()
    );
    let app = spawn_app().await;
    let db = database_tables(&app).await;
    let diff = differences(&declared, &db);
    assert!(
        diff.is_empty(),
        "src/db/schema.rs differs from the migrations:\n  {}",
        diff.join("\n  ")
    );
}

#[test]
fn the_schema_parser_reads_print_schema_output() {
    let text = r#"
diesel::table! {
    /// Representation of the `things` table.
    things (a, b) {
        a -> Uuid,
        b -> Int4,
        #[sql_name = "type"]
        kind -> Nullable<Text>,
        r#ref -> Array<Nullable<Date>>,
        at -> Nullable<Timestamptz>,
    }
}
"#;
    let tables = parse_schema_rs(text).unwrap();
    let t = &tables["things"];
    assert_eq!(t.primary_key, ["a", "b"]);
    assert_eq!(t.columns["a"], ("uuid".into(), false));
    assert_eq!(t.columns["b"], ("int4".into(), false));
    assert_eq!(t.columns["type"], ("text".into(), true));
    assert_eq!(t.columns["ref"], ("_date".into(), false));
    assert_eq!(t.columns["at"], ("timestamptz".into(), true));
    assert!(parse_schema_rs("diesel::table! {\n t (id) {\n id -> Money,\n }\n}").is_err());
    // A drifted table is reported column by column.
    let mut db = BTreeMap::new();
    db.insert(
        "things".to_owned(),
        Table {
            primary_key: vec!["a".into()],
            columns: [
                ("a".to_owned(), ("uuid".to_owned(), false)),
                ("b".to_owned(), ("int8".to_owned(), false)),
                ("extra".to_owned(), ("text".to_owned(), false)),
            ]
            .into(),
        },
    );
    let diff = differences(&tables, &db);
    assert_eq!(diff.len(), 6, "{diff:#?}");
}
