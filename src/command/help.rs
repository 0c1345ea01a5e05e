//! `help` and `help COMMAND`, written from the grammar; the entities' tables and columns are handed
//! in by the caller, which reads them from the SeaORM entities.

use super::EntityKind;
use super::clause::Clause;
use super::entity::EntityDescription;
use super::error::{ParseError, ParseResult, quoted};
use super::grammar::{self, COMMANDS};
use super::query::{CONDITION_SHAPE, Operator, Subject};
use super::vocabulary::Vocabulary;

/// Usages longer than this put their summary on the next line, so the overview fits 100 columns.
const USAGE_COLUMN: usize = 40;

/// The words `help` takes for the query language's page.
pub const QUERY_TOPICS: [&str; 2] = ["where", "order"];

/// Examples on the query language's page; each must parse.
pub const QUERY_EXAMPLES: [&str; 6] = [
    "users where username starts with s order by username desc",
    "users where not (email contains \"@example\" or password_hash is null)",
    "posts where author = susan and timestamp between 2024-01-01 and \"2024-01-31 23:59\"",
    "posts where id not in (1, 2) order by author.username, timestamp desc limit 10",
    "count users where posts >= 10",
    "update posts where author.username like \"test%\" set author = john --yes",
];

pub fn overview(entities: &[EntityDescription]) -> String {
    let usages: Vec<(Vec<String>, &str)> =
        COMMANDS.iter().map(|c| (c.usage(), c.summary)).collect();
    let width = usages
        .iter()
        .flat_map(|(lines, _)| lines.iter())
        .map(|u| u.chars().count())
        .filter(|width| *width <= USAGE_COLUMN)
        .max()
        .unwrap_or(0);
    let mut text =
        String::from("Commands (keywords in any case; user/users and post/posts both work):\n");
    for (lines, summary) in &usages {
        for (i, usage) in lines.iter().enumerate() {
            let summary = if i == 0 { *summary } else { "" };
            if usage.chars().count() > width && !summary.is_empty() {
                text.push_str(&format!("  {usage}\n  {:width$}  {summary}\n", ""));
                continue;
            }
            text.push_str(format!("  {usage:width$}  {summary}").trim_end());
            text.push('\n');
        }
    }
    text.push_str("Entities:\n");
    for entity in entities {
        text.push_str(&format!(
            "  {:width$}  table {}: {}\n",
            entity.kind.singular(),
            entity.table,
            entity.columns.join(", ")
        ));
    }
    text.push_str(&format!(
        "Queries: where {CONDITION_SHAPE}; type help where.\n"
    ));
    text.push_str("Quote text with spaces: add post \"hello world\" by john. Type help COMMAND for an example.");
    text
}

/// `help COMMAND`, or the query language's page (with the fields `vocabulary` adds).
pub fn topic(word: &str, vocabulary: &Vocabulary) -> ParseResult<String> {
    let first = word.split_whitespace().next().unwrap_or(word);
    if QUERY_TOPICS.iter().any(|t| t.eq_ignore_ascii_case(first)) {
        return Ok(query_language(vocabulary));
    }
    let Some(command) = grammar::find(first) else {
        let hint = grammar::nearest(first)
            .map(|n| format!(": did you mean {n:?}?"))
            .unwrap_or_default();
        return Err(ParseError::new(format!(
            "no help for {}{hint}",
            quoted(word)
        )));
    };
    let mut text = format!("{}: {}\nusage:\n", command.name, command.summary);
    for usage in command.usage() {
        text.push_str(&format!("  {usage}\n"));
    }
    if !command.aliases.is_empty() {
        text.push_str(&format!("also typed as: {}\n", command.aliases.join(", ")));
    }
    let label = if command.examples.len() == 1 {
        "example"
    } else {
        "examples"
    };
    text.push_str(&format!("{label}:\n  {}", command.examples.join("\n  ")));
    Ok(text)
}

/// `help where`: the query language, written from its fields and operators; the columns and
/// tables beyond the entities are `vocabulary`'s.
pub fn query_language(vocabulary: &Vocabulary) -> String {
    let mut text = format!(
        "where: choose rows by their fields, in users, posts, count, update and delete\n\
         CONDITION is {CONDITION_SHAPE}\n\
         (not binds tighter than and, and tighter than or).\n"
    );
    let subjects = EntityKind::ALL
        .into_iter()
        .map(Subject::Entity)
        .chain(vocabulary.tables().iter().cloned().map(Subject::Table));
    for subject in subjects {
        let fields: Vec<String> = subject
            .fields(vocabulary)
            .iter()
            .map(|f| {
                let name = super::clause::shown_name(&f.name());
                match f.note() {
                    Some(note) => format!("{name} ({note})"),
                    None => name,
                }
            })
            .collect();
        let title = match &subject {
            Subject::Entity(entity) => entity.plural().to_string(),
            Subject::Table(table) => format!("rows of {}", super::clause::shown_name(&table.name)),
        };
        text.push_str(&format!("fields of {title}:\n  {}\n", fields.join(", ")));
    }
    text.push_str("operators:\n");
    let mut shown: Vec<(&str, &str)> = Vec::new();
    for operator in Operator::all() {
        let explained = operator.explained();
        if !shown.contains(&explained) {
            shown.push(explained);
        }
    }
    let width = shown.iter().map(|(o, _)| o.len()).max().unwrap_or(0);
    for (operator, meaning) in shown {
        text.push_str(&format!("  {operator:width$}  {meaning}\n"));
    }
    text.push_str(
        "  not before like, contains, starts with, in or between turns it around\n\
         values: whole numbers; text, quoted when it has spaces or is a keyword;\n  \
         timestamps as YYYY-MM-DD or \"YYYY-MM-DD HH:MM[:SS]\", in UTC\n",
    );
    let grown = EntityKind::ALL
        .iter()
        .any(|e| !vocabulary.extras(*e).is_empty())
        || !vocabulary.tables().is_empty();
    if grown {
        text.push_str(
            "  dates as YYYY-MM-DD, booleans as true or false, numbers as 2 or 2.5; a column \
             holding a user (sender_id) takes a username or an id\n",
        );
    }
    let mut clauses = vec![Clause::OrderBy, Clause::Set];
    if grown {
        clauses.push(Clause::With);
    }
    for clause in clauses {
        let what = match clause {
            Clause::OrderBy => "any field but password_hash and author; the id breaks ties",
            Clause::Set => "in update: the same rules as add; id and posts cannot be set",
            Clause::With => "in add user and add post: the columns the shell does not declare",
            Clause::Where => "",
        };
        text.push_str(&format!("{}: {what}\n", clause.shown()));
    }
    text.push_str(&format!("examples:\n  {}", QUERY_EXAMPLES.join("\n  ")));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::EntityKind;
    use crate::command::query::Field;

    #[test]
    fn the_overview_lists_every_command_and_entity() {
        let post = EntityDescription {
            kind: EntityKind::Post,
            table: "post".into(),
            columns: vec!["id".into(), "body".into()],
        };
        let text = overview(&[post]);
        for command in COMMANDS {
            assert!(text.contains(&command.usage()[0]), "{}", command.name);
            assert!(text.contains(command.summary), "{}", command.name);
        }
        assert!(text.contains("table post: id, body\n"));
        assert!(text.contains("type help where"));
    }

    #[test]
    fn the_query_page_names_every_field_and_operator_and_its_examples_parse() {
        let none = Vocabulary::default();
        let page = topic("WHERE", &none).unwrap();
        assert_eq!(topic("order by", &none).unwrap(), page);
        for entity in EntityKind::ALL {
            for field in Field::names(entity, &none) {
                assert!(page.contains(&field), "{field}");
            }
        }
        let chapter_8 = crate::command::vocabulary::tests::chapter_8();
        let grown = topic("where", &chapter_8).unwrap();
        for field in [
            "about_me (varchar(140))",
            "last_seen (datetime)",
            "followers (the number of users who follow them)",
            "language (varchar(5))",
            "fields of rows of message:\n  id, sender_id (USERNAME|ID)",
        ] {
            assert!(grown.contains(field), "{field}: {grown}");
        }
        for operator in Operator::all() {
            let (shown, _) = operator.explained();
            assert!(page.contains(shown), "{shown}");
        }
        for example in QUERY_EXAMPLES {
            assert!(page.contains(example));
            assert!(
                matches!(crate::command::parse(example), Ok(Some(_))),
                "{example}: {:?}",
                crate::command::parse(example)
            );
        }
    }

    #[test]
    fn a_topic_shows_usage_and_an_example() {
        let none = Vocabulary::default();
        let topic = |word: &str| topic(word, &none);
        let text = topic("ADD").unwrap();
        assert!(text.starts_with("add: "));
        assert!(text.contains("  add user USERNAME EMAIL [with FIELD = VALUE, ...]\n"));
        assert!(text.ends_with(
            "examples:\n  add post \"my first post!\" by john\n  \
             add user susan susan@example.com with about_me = \"I like cats\""
        ));
        assert!(
            topic("delete")
                .unwrap()
                .contains("examples:\n  delete post 3\n")
        );
        assert_eq!(topic("get user").unwrap(), topic("get").unwrap());
        assert!(
            topic("gett")
                .unwrap_err()
                .message()
                .contains("did you mean \"get\"")
        );
    }
}
