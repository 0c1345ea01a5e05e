//! The query language against an oracle: generated `where`/`order by`/`limit` queries, built from
//! the grammar's own field and operator tables, run by the binary on every backend, and compared
//! with the same query evaluated here in plain Rust over the same rows. Every accepted query runs,
//! and gives the rows (in the order) the language promises: text compared by character codes and
//! case, `like` case-sensitive, `contains`/`starts with` ignoring case beyond ASCII, `%`/`_`
//! literal there, values bound (quotes and SQL in values are only text).

use std::cmp::Ordering;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use microblog_shell::command::query::{
    Comparison, Field, FieldType, Operator, PostColumn, PostField, UserColumn, UserField,
};
use microblog_shell::command::{DataCommand, EntityKind, Vocabulary};
use proptest::prelude::*;

use crate::util::backends::{Backend, TestDb};

struct User {
    username: &'static str,
    email: &'static str,
    hashed: bool,
}

struct Post {
    body: &'static str,
    timestamp: &'static str,
    author: usize,
}

const USERS: [User; 7] = [
    User {
        username: "john",
        email: "john@example.com",
        hashed: true,
    },
    User {
        username: "susan",
        email: "SUSAN@Example.com",
        hashed: false,
    },
    User {
        username: "Élodie",
        email: "elodie@example.org",
        hashed: false,
    },
    User {
        username: "test_one",
        email: "t1@test.org",
        hashed: true,
    },
    User {
        username: "Testy",
        email: "t2@TEST.org",
        hashed: false,
    },
    User {
        username: "x%y",
        email: "pct@x.org",
        hashed: false,
    },
    User {
        username: "u_1",
        email: "u1@x.org",
        hashed: false,
    },
];

const POSTS: [Post; 12] = [
    Post {
        body: "Flask is fun",
        timestamp: "2024-01-15 08:30:00",
        author: 1,
    },
    Post {
        body: "a draft about flask",
        timestamp: "2024-01-20 12:00:30",
        author: 1,
    },
    Post {
        body: "another DRAFT",
        timestamp: "2024-02-01 00:00:00",
        author: 1,
    },
    Post {
        body: "100% sure_thing",
        timestamp: "2024-02-01 00:00:00",
        author: 2,
    },
    Post {
        body: "Élan vital",
        timestamp: "2023-12-31 23:59:59",
        author: 3,
    },
    Post {
        body: "ÉCOLE and école",
        timestamp: "2024-02-01 00:00:00",
        author: 3,
    },
    Post {
        body: "naïve café",
        timestamp: "2024-03-01 10:00:00",
        author: 2,
    },
    Post {
        body: "[glob]*?",
        timestamp: "2024-03-01 10:00:00",
        author: 6,
    },
    Post {
        body: "back\\slash and 'quotes' \"too\"",
        timestamp: "2024-01-01 00:00:00",
        author: 7,
    },
    Post {
        body: "x' OR 1=1 --",
        timestamp: "2024-01-02 00:00:00",
        author: 7,
    },
    Post {
        body: "plain",
        timestamp: "2024-01-15 08:30:00",
        author: 4,
    },
    Post {
        body: "under_score",
        timestamp: "2024-01-15 08:30:00",
        author: 2,
    },
];

/// A value as typed (quoted, escaped) and as meant.
#[derive(Debug, Clone)]
enum Value {
    Integer(i64),
    Text(String),
    Time(NaiveDateTime),
}

fn typed(value: &Value) -> String {
    match value {
        Value::Integer(n) => n.to_string(),
        Value::Text(t) => format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
        Value::Time(t) => format!("\"{}\"", t.format("%Y-%m-%d %H:%M:%S")),
    }
}

#[derive(Debug, Clone)]
enum Cond {
    Test(Field, Operator, Vec<Value>),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

fn written(c: &Cond) -> String {
    match c {
        Cond::Test(field, operator, values) => {
            let name = field.name();
            match operator {
                Operator::In => {
                    let list: Vec<String> = values.iter().map(typed).collect();
                    format!("{name} in ({})", list.join(", "))
                }
                Operator::Between => {
                    format!(
                        "{name} between {} and {}",
                        typed(&values[0]),
                        typed(&values[1])
                    )
                }
                Operator::IsNull | Operator::IsNotNull => format!("{name} {}", operator.shown()),
                _ => format!("{name} {} {}", operator.shown(), typed(&values[0])),
            }
        }
        Cond::Not(inner) => format!("not ({})", written(inner)),
        Cond::And(a, b) => format!("({}) and ({})", written(a), written(b)),
        Cond::Or(a, b) => format!("{} or {}", written(a), written(b)),
    }
}

fn time(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

const TEXTS: [&str; 22] = [
    "john",
    "John",
    "jo",
    "J",
    "flask",
    "FLASK",
    "%",
    "_",
    "draft",
    "é",
    "É",
    "école",
    "[",
    "*",
    "a",
    "x%y",
    "Testy",
    "t",
    "@example.com",
    "' OR 1=1 --",
    "\\",
    "\"",
];
const PATTERNS: [&str; 12] = [
    "%", "j%", "%a%", "_ohn", "%!%", "[%", "%\\%", "T%", "%_%", "É%", "%fun", "susan",
];
const TIMES: [&str; 5] = [
    "2024-01-15 08:30:00",
    "2024-02-01 00:00:00",
    "2023-12-31 23:59:59",
    "2024-01-01 00:00:00",
    "2024-03-01 10:00:00",
];

fn value_of(field: Field) -> BoxedStrategy<Value> {
    match field.field_type() {
        FieldType::Integer => (-1i64..9).prop_map(Value::Integer).boxed(),
        // An author that does not exist is an error, not an empty list: see `unknown_authors`.
        FieldType::User => (1i64..=USERS.len() as i64).prop_map(Value::Integer).boxed(),
        FieldType::Text => prop::sample::select(TEXTS.to_vec())
            .prop_map(|t| Value::Text(t.to_string()))
            .boxed(),
        FieldType::Timestamp => prop::sample::select(TIMES.to_vec())
            .prop_map(|t| Value::Time(time(t)))
            .boxed(),
        FieldType::Secret => Just(Value::Integer(0)).boxed(),
        other => panic!("{other:?}: no field of the chapter 4 schema has it"),
    }
}

fn test_of(entity: EntityKind) -> BoxedStrategy<Cond> {
    let fields = Field::all(entity, &Vocabulary::default());
    prop::sample::select(fields)
        .prop_flat_map(|field| {
            let operators = Operator::for_field(&field);
            (Just(field.clone()), prop::sample::select(operators))
        })
        .prop_flat_map(|(field, operator)| {
            let values: BoxedStrategy<Vec<Value>> = match operator {
                Operator::IsNull | Operator::IsNotNull => Just(Vec::new()).boxed(),
                Operator::In => prop::collection::vec(value_of(field.clone()), 1..4).boxed(),
                Operator::Between => prop::collection::vec(value_of(field.clone()), 2..=2).boxed(),
                Operator::Like => prop::sample::select(PATTERNS.to_vec())
                    .prop_map(|p| vec![Value::Text(p.to_string())])
                    .boxed(),
                _ => value_of(field.clone()).prop_map(|v| vec![v]).boxed(),
            };
            (Just(field), Just(operator), values)
        })
        .prop_map(|(field, operator, values)| Cond::Test(field, operator, values))
        .boxed()
}

fn condition(entity: EntityKind) -> impl Strategy<Value = Cond> {
    test_of(entity).prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn sorts(entity: EntityKind) -> impl Strategy<Value = Vec<(Field, bool)>> {
    let sortable: Vec<Field> = Field::all(entity, &Vocabulary::default())
        .into_iter()
        .filter(|f| f.refuses_order().is_none())
        .collect();
    prop::collection::vec((prop::sample::select(sortable), any::<bool>()), 0..3)
}

/// A field's value in a row, as the oracle sees it (`None` for NULL).
fn field_value(entity: EntityKind, row: usize, field: Field) -> Option<Value> {
    let user = |i: usize, column: UserColumn| -> Option<Value> {
        let u = &USERS[i - 1];
        match column {
            UserColumn::Id => Some(Value::Integer(i as i64)),
            UserColumn::Username => Some(Value::Text(u.username.into())),
            UserColumn::Email => Some(Value::Text(u.email.into())),
            UserColumn::PasswordHash => u.hashed.then(|| Value::Text("hash".into())),
        }
    };
    match (entity, field) {
        (EntityKind::User, Field::User(UserField::Column(c))) => user(row, c),
        (EntityKind::User, Field::User(UserField::Posts)) => Some(Value::Integer(
            POSTS.iter().filter(|p| p.author == row).count() as i64,
        )),
        (EntityKind::Post, Field::Post(f)) => {
            let p = &POSTS[row - 1];
            match f {
                PostField::Column(PostColumn::Id) => Some(Value::Integer(row as i64)),
                PostField::Column(PostColumn::Body) => Some(Value::Text(p.body.into())),
                PostField::Column(PostColumn::Timestamp) => Some(Value::Time(time(p.timestamp))),
                PostField::Column(PostColumn::UserId) | PostField::Author => {
                    Some(Value::Integer(p.author as i64))
                }
                PostField::AuthorColumn(c) => user(p.author, c),
                PostField::Extra(c) => panic!("{} is not a column of the chapter 4 schema", c.name),
            }
        }
        (entity, field) => panic!("{field:?} is not a field of {entity:?}"),
    }
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
        (Value::Text(a), Value::Text(b)) => a.cmp(b),
        (Value::Time(a), Value::Time(b)) => a.cmp(b),
        _ => panic!("values of different types: {a:?} {b:?}"),
    }
}

/// SQL LIKE, case-sensitive: `%` any run, `_` one character.
fn like(text: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|i| like(&text[i..], rest)),
        Some(('_', rest)) => !text.is_empty() && like(&text[1..], rest),
        Some((c, rest)) => text.first() == Some(c) && like(&text[1..], rest),
    }
}

fn holds(entity: EntityKind, row: usize, c: &Cond) -> bool {
    match c {
        Cond::Not(inner) => !holds(entity, row, inner),
        Cond::And(a, b) => holds(entity, row, a) && holds(entity, row, b),
        Cond::Or(a, b) => holds(entity, row, a) || holds(entity, row, b),
        Cond::Test(field, operator, values) => {
            let value = field_value(entity, row, field.clone());
            let Some(value) = value else {
                return *operator == Operator::IsNull;
            };
            let text = || match &value {
                Value::Text(t) => t.clone(),
                other => panic!("not text: {other:?}"),
            };
            let arg = || match &values[0] {
                Value::Text(t) => t.clone(),
                other => panic!("not text: {other:?}"),
            };
            match operator {
                Operator::Compare(comparison) => {
                    let order = compare(&value, &values[0]);
                    match comparison {
                        Comparison::Eq => order.is_eq(),
                        Comparison::Ne => order.is_ne(),
                        Comparison::Lt => order.is_lt(),
                        Comparison::Le => order.is_le(),
                        Comparison::Gt => order.is_gt(),
                        Comparison::Ge => order.is_ge(),
                    }
                }
                Operator::Like => like(
                    &text().chars().collect::<Vec<_>>(),
                    &arg().chars().collect::<Vec<_>>(),
                ),
                Operator::Contains => text().to_lowercase().contains(&arg().to_lowercase()),
                Operator::StartsWith => text().to_lowercase().starts_with(&arg().to_lowercase()),
                Operator::In => values.iter().any(|v| compare(&value, v).is_eq()),
                Operator::Between => {
                    compare(&value, &values[0]).is_ge() && compare(&value, &values[1]).is_le()
                }
                Operator::IsNull => false,
                Operator::IsNotNull => true,
            }
        }
    }
}

/// The ids the query should list, in order.
fn expected(
    entity: EntityKind,
    c: &Cond,
    order: &[(Field, bool)],
    limit: Option<usize>,
) -> Vec<usize> {
    let count = match entity {
        EntityKind::User => USERS.len(),
        EntityKind::Post => POSTS.len(),
    };
    let mut ids: Vec<usize> = (1..=count).filter(|&i| holds(entity, i, c)).collect();
    let mut keys = order.to_vec();
    if keys.is_empty() && entity == EntityKind::Post {
        keys.push((Field::Post(PostField::Column(PostColumn::Timestamp)), true));
    }
    let tie_descending = keys.last().is_some_and(|(_, d)| *d);
    ids.sort_by(|&a, &b| {
        for (field, descending) in &keys {
            let va = field_value(entity, a, field.clone()).unwrap();
            let vb = field_value(entity, b, field.clone()).unwrap();
            let o = compare(&va, &vb);
            let o = if *descending { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        if tie_descending { b.cmp(&a) } else { a.cmp(&b) }
    });
    ids.truncate(limit.unwrap_or(usize::MAX));
    ids
}

/// One seeded database per backend, shared by every generated case.
fn databases() -> &'static Vec<TestDb> {
    static DATABASES: OnceLock<Vec<TestDb>> = OnceLock::new();
    DATABASES.get_or_init(|| {
        let mut script = String::new();
        for u in &USERS {
            script.push_str(&format!("add user {} {}\n", u.username, u.email));
        }
        for (i, u) in USERS.iter().enumerate() {
            if u.hashed {
                script.push_str(&format!(
                    "sql UPDATE {{user}} SET password_hash = 'x' WHERE id = {}\n",
                    i + 1
                ));
            }
        }
        for (i, p) in POSTS.iter().enumerate() {
            script.push_str(&format!(
                "add post {} by {}\n",
                typed(&Value::Text(p.body.into())),
                p.author
            ));
            script.push_str(&format!(
                "update post {} set timestamp = \"{}\"\n",
                i + 1,
                p.timestamp
            ));
        }
        Backend::ALL
            .into_iter()
            .filter_map(TestDb::migrated)
            .inspect(|db| {
                db.pipe(&[], &script.replace("{user}", db.user_table()))
                    .ok();
            })
            .collect()
    })
}

/// The product's own parse of a condition, as the oracle's: the evaluation stays independent.
fn from_parsed(c: &microblog_shell::command::Condition) -> Cond {
    use microblog_shell::command::query::{Literal, Test};
    use microblog_shell::command::{Condition, UserRef};
    let value = |l: &Literal| match l {
        Literal::Integer(n) => Value::Integer(*n),
        Literal::Text(t) => Value::Text(t.clone()),
        Literal::Timestamp(t) => Value::Time(*t),
        Literal::User(UserRef::Id(id)) => Value::Integer(i64::from(*id)),
        Literal::User(UserRef::Username(name)) => {
            Value::Integer(USERS.iter().position(|u| u.username == name).unwrap() as i64 + 1)
        }
        other => panic!("{other:?}: no field of the chapter 4 schema takes it"),
    };
    let text = |t: &str| vec![Value::Text(t.to_string())];
    let fold = |all: &[Condition], join: fn(Box<Cond>, Box<Cond>) -> Cond| {
        let mut terms = all.iter().map(from_parsed);
        let first = terms.next().unwrap();
        terms.fold(first, |a, b| join(Box::new(a), Box::new(b)))
    };
    match c {
        Condition::Test { field, test } => {
            let (operator, values) = match test {
                Test::Compare(c, l) => (Operator::Compare(*c), vec![value(l)]),
                Test::Like(p) => (Operator::Like, text(p)),
                Test::Contains(p) => (Operator::Contains, text(p)),
                Test::StartsWith(p) => (Operator::StartsWith, text(p)),
                Test::In(ls) => (Operator::In, ls.iter().map(value).collect()),
                Test::Between(a, b) => (Operator::Between, vec![value(a), value(b)]),
                Test::IsNull => (Operator::IsNull, vec![]),
                Test::IsNotNull => (Operator::IsNotNull, vec![]),
            };
            Cond::Test(field.clone(), operator, values)
        }
        Condition::Not(inner) => Cond::Not(Box::new(from_parsed(inner))),
        Condition::And(all) => fold(all, Cond::And),
        Condition::Or(all) => fold(all, Cond::Or),
    }
}

/// Cases where case, accents, wildcards and quoting decide the answer.
const KNOWN: [&str; 18] = [
    "posts where body contains \"FLASK\"",
    "posts where body contains \"école\"",
    "posts where body contains \"É\"",
    "posts where body starts with \"élan\"",
    "posts where body contains \"%\"",
    "posts where body contains \"_\"",
    "posts where body like \"%\\_%\"",
    "posts where body like \"%_%\"",
    "posts where body like \"[%\"",
    "posts where body like \"a%\"",
    "posts where body like \"A%\"",
    "posts where body = \"x' OR 1=1 --\"",
    "posts where body contains \"'quotes'\"",
    "users where username starts with \"TEST\"",
    "users where username like \"T%\"",
    "users where username like \"x%y\" or username = \"u_1\"",
    "users where email contains \"example.COM\"",
    "posts where author.username starts with \"é\" order by body",
];

#[test]
fn known_hard_cases_give_the_rows_the_language_promises_on_every_backend() {
    for query in KNOWN {
        let parsed = microblog_shell::command::parse(query).unwrap().unwrap();
        let microblog_shell::command::Command::Data(DataCommand::Read(
            microblog_shell::command::ReadCommand::List(list),
        )) = parsed
        else {
            panic!("{query} is not a listing");
        };
        let cond = from_parsed(list.filter.as_ref().unwrap());
        let order: Vec<(Field, bool)> = list
            .order
            .iter()
            .map(|s| (s.field.clone(), s.descending))
            .collect();
        let want = expected(list.entity, &cond, &order, None);
        for db in databases() {
            let run = db.run(&["--format", "csv", "-c", query]);
            assert_eq!(listed(run.ok()), want, "{query} on {}", db.backend.name());
        }
    }
}

/// The ids in the first column of a CSV listing.
fn listed(csv: &str) -> Vec<usize> {
    csv.lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap().parse().unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_queries_give_the_rows_the_language_promises_on_every_backend(
        users in any::<bool>(),
        user_condition in condition(EntityKind::User),
        post_condition in condition(EntityKind::Post),
        user_order in sorts(EntityKind::User),
        post_order in sorts(EntityKind::Post),
        limit in prop::option::of(0usize..6),
    ) {
        let (entity, cond, order) = if users {
            (EntityKind::User, user_condition, user_order)
        } else {
            (EntityKind::Post, post_condition, post_order)
        };
        let mut query = format!("{} where {}", entity.plural(), written(&cond));
        if !order.is_empty() {
            let keys: Vec<String> = order
                .iter()
                .map(|(f, d)| format!("{} {}", f.name(), if *d { "desc" } else { "asc" }))
                .collect();
            query.push_str(&format!(" order by {}", keys.join(", ")));
        }
        if let Some(limit) = limit {
            query.push_str(&format!(" limit {limit}"));
        }
        let want = expected(entity, &cond, &order, limit);
        let count = format!("count {} where {}", entity.plural(), written(&cond));
        let want_count = expected(entity, &cond, &[], None).len();
        for db in databases() {
            let run = db.run(&["--format", "csv", "-c", &query]);
            prop_assert_eq!(run.code, Some(0), "{} on {}: {:?}", query, db.backend.name(), run);
            prop_assert_eq!(listed(&run.stdout), want.clone(), "{} on {}", query, db.backend.name());
            let counted = db.run(&["-c", &count]);
            let n: usize = counted.ok().split_whitespace().next().unwrap().parse().unwrap();
            prop_assert_eq!(n, want_count, "{} on {}", count, db.backend.name());
        }
    }
}

/// The rows of a table as the database holds them, for checking what a change did.
async fn table(db: &TestDb, sql: &str) -> Vec<String> {
    crate::util::first_column(&db.url, sql).await
}

#[tokio::test]
async fn update_follows_the_rules_of_add_and_changes_all_rows_or_none() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.pipe(
            &[],
            "add user john john@example.com\nadd user susan susan@example.com\n\
             add post \"a draft\" by john\nadd post \"another draft\" by john\nadd post kept by susan\n",
        )
        .ok();
        let emails = &format!("SELECT email FROM {} ORDER BY id", db.user_table());
        let before = table(&db, emails).await;
        for (command, error) in [
            (
                "update users where id > 0 set email = \"same@example.com\"",
                "2 users match",
            ),
            (
                "update user john set username = SUSAN",
                "already taken (as \"susan\")",
            ),
            (
                "update user john set email = \"Susan@Example.com\"",
                "already used by user \"susan\"",
            ),
            (
                "update user 9 set email = \"x@example.com\"",
                "there is no user with id 9",
            ),
            (
                "update post 1 set author = nobody",
                "there is no user \"nobody\"",
            ),
            (
                "update post 1 set user_id = 99",
                "there is no user with id 99",
            ),
        ] {
            let message = db.run(&["-c", command]).one_line_error().to_string();
            assert!(message.contains(error), "{name}: {command}: {message}");
        }
        assert_eq!(table(&db, emails).await, before, "{name}: nothing changed");

        // Inside a transaction, a failing update leaves the transaction usable.
        let run = db.pipe(
            &["--continue-on-error"],
            "begin\nupdate posts where body contains draft set body = \"(removed)\"\n\
             update user john set username = susan\ncommit\n",
        );
        assert!(run.stdout.contains("Updated 2 posts"), "{name}: {run:?}");
        assert!(run.stdout.contains("Committed"), "{name}: {run:?}");
        let bodies = table(&db, "SELECT body FROM post ORDER BY id").await;
        assert_eq!(bodies, ["(removed)", "(removed)", "kept"], "{name}");

        // A renamed author, a moved post, a case-only rename of oneself.
        db.run(&["-c", "update posts where author = john set author = susan"])
            .ok();
        db.run(&["-c", "update user john set username = John"]).ok();
        let authors = table(&db, "SELECT user_id FROM post ORDER BY id").await;
        assert_eq!(authors, ["2", "2", "2"], "{name}");
        let names = &format!("SELECT username FROM {} ORDER BY id", db.user_table());
        assert_eq!(table(&db, names).await, ["John", "susan"], "{name}");
    }
}

#[tokio::test]
async fn values_are_bound_never_spliced() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        let hostile = "'; DROP TABLE post; --";
        db.pipe(
            &[],
            "add user john john@example.com\nadd post hello by john\n",
        )
        .ok();
        let set = format!(
            "update posts where body = \"x' OR '1'='1\" or id = 1 set body = \"{hostile}\""
        );
        assert_eq!(db.run(&["-c", &set]).ok(), "Updated 1 post\n", "{name}");
        assert_eq!(
            table(&db, "SELECT body FROM post").await,
            [hostile],
            "{name}"
        );
        let find = format!("posts where body = \"{hostile}\" and body like \"%--\"");
        let run = db.run(&["--format", "csv", "-c", &find]);
        assert!(run.ok().contains(hostile), "{name}: {run:?}");
        let deleted = db
            .run(&["-c", "delete posts where body contains \"' or 1=1\""])
            .ok()
            .to_string();
        assert_eq!(deleted, "No posts match: nothing was deleted\n", "{name}");
    }
}

#[tokio::test]
async fn delete_users_where_keeps_the_cascade_rule_and_reports_what_went() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.pipe(
            &[],
            "add user john john@example.com\nadd user test1 t1@x.org\nadd user test2 t2@x.org\n\
             add post a by test1\nadd post b by test1\nadd post c by john\n",
        )
        .ok();
        let message = db
            .run(&["-c", "delete users where username like \"test%\""])
            .one_line_error()
            .to_string();
        assert!(
            message.contains("1 of the 2 users have posts (2 in all): add cascade"),
            "{name}: {message}"
        );
        let deleted = db
            .run(&["-c", "delete users where username like \"test%\" cascade"])
            .ok()
            .to_string();
        assert_eq!(deleted, "Deleted 2 users and their 2 posts\n", "{name}");
        assert_eq!(table(&db, "SELECT body FROM post").await, ["c"], "{name}");
        let posts = db
            .run(&["-c", "delete posts where author = john"])
            .ok()
            .to_string();
        assert_eq!(posts, "Deleted 1 post\n", "{name}");
        let message = db
            .run(&["-c", "delete posts where author = ghost"])
            .one_line_error()
            .to_string();
        assert!(
            message.contains("there is no user \"ghost\""),
            "{name}: {message}"
        );
    }
}

#[tokio::test]
async fn keyset_pages_run_through_rows_that_share_their_sort_key() {
    // More rows than a page holds, on three timestamps and two bodies: every page must continue
    // exactly after the last row, by the sort key and then the id.
    let rows = 2500;
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        let mut script = String::from("add user john john@example.com\n");
        for i in 0..rows {
            script.push_str(&format!(
                "add post {} by john\n",
                if i % 2 == 0 { "even" } else { "odd" }
            ));
        }
        script.push_str("update posts where id > 0 set timestamp = 2024-01-01 --yes\n");
        script.push_str("update posts where id > 800 set timestamp = 2024-01-02\n");
        script.push_str("update posts where id > 1700 set timestamp = 2024-01-03\n");
        db.pipe(&["--single-transaction"], &script).ok();
        for (query, descending) in [
            ("posts order by timestamp", false),
            ("posts order by timestamp desc", true),
            ("posts order by body desc, timestamp", false),
            (
                "posts of john where body = even or body = odd order by body",
                false,
            ),
        ] {
            let run = db.run(&["--format", "csv", "-c", query]);
            let listed = listed(run.ok());
            assert_eq!(listed.len(), rows, "{name}: {query}");
            let mut unique = listed.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), rows, "{name}: {query}: a row twice");
            if query.ends_with("timestamp") || query.ends_with("desc") {
                let mut sorted = listed.clone();
                // Ids grow with the timestamps here: the order is by id, either way.
                sorted.sort();
                if descending {
                    sorted.reverse();
                }
                if !query.contains("body") {
                    assert_eq!(listed, sorted, "{name}: {query}");
                }
            }
        }
        let offset = db.run(&[
            "--format",
            "csv",
            "-c",
            "posts order by timestamp limit 3 offset 1799",
        ]);
        assert_eq!(listed(offset.ok()), [1800, 1801, 1802], "{name}");
    }
}

#[tokio::test]
async fn users_page_through_their_post_counts() {
    // More users than a page holds, on four post counts: the count is both a shown column and a
    // keyset bound, and every user must come once, in the order of the counts and then the ids.
    let users = 1200;
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        let mut script = String::new();
        for i in 0..users {
            script.push_str(&format!("add user u{i} u{i}@example.com\n"));
            for _ in 0..i % 4 {
                script.push_str(&format!("add post hello by u{i}\n"));
            }
        }
        db.pipe(&["--single-transaction"], &script).ok();
        let run = db.run(&["--format", "csv", "-c", "users order by posts desc"]);
        let lines: Vec<(usize, usize)> = run
            .ok()
            .lines()
            .skip(1)
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells[0].parse().unwrap(), cells[4].parse().unwrap())
            })
            .collect();
        assert_eq!(lines.len(), users, "{name}");
        let mut expected: Vec<(usize, usize)> = (1..=users).map(|id| (id, (id - 1) % 4)).collect();
        // Most posts first; the id breaks ties in the same direction.
        expected.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        assert_eq!(lines, expected, "{name}");
        let some = db
            .run(&["-c", "count users where posts >= 2"])
            .ok()
            .to_string();
        assert_eq!(some, "600 users\n", "{name}");
    }
}

/// `posts of NAME` finds the author inside the listing's statement (one statement per command);
/// what the separate look-up used to say is still said: an unknown name is an error (even with
/// `limit 0`), a user without posts is an empty list, and a name that differs only in case finds
/// that user, on every backend.
#[test]
fn posts_of_a_name_in_one_statement_keeps_every_answer_of_the_look_up() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.run(&[
            "-c",
            "add user john john@example.com",
            "-c",
            "add user susan susan@example.com",
            "-c",
            "add post hello by john",
        ])
        .ok();
        let csv = |command: &str| db.run(&["--format", "csv", "-c", command]);
        let john = csv("posts of JOHN").ok().to_string();
        assert!(john.contains(",john,hello"), "{name}: {john}");
        assert_eq!(
            csv("posts of susan").ok(),
            "id,timestamp,author,body\n",
            "{name}"
        );
        for unknown in [
            "posts of nobody",
            "posts of nobody limit 0",
            "posts of nobody offset 5",
        ] {
            let run = csv(unknown);
            assert!(
                run.one_line_error().contains("there is no user \"nobody\""),
                "{name}: {unknown}: {run:?}"
            );
        }
        assert_eq!(csv("count posts of JOHN").ok(), "count\n1\n", "{name}");
        assert_eq!(csv("count posts of susan").ok(), "count\n0\n", "{name}");
        let run = csv("count posts of nobody");
        assert!(
            run.one_line_error().contains("there is no user \"nobody\""),
            "{name}: {run:?}"
        );
        let echoed = db.run(&["--echo-sql", "-c", "posts of john"]);
        assert_eq!(echoed.ok().matches("(1 row)").count(), 1, "{name}");
        assert_eq!(
            echoed.stderr.matches("SQL: ").count() + echoed.stdout.matches("SQL: ").count(),
            1,
            "{name}: one statement: {echoed:?}"
        );
    }
}
