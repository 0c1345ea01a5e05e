//! `help` and `help COMMAND`, written from the grammar; the entities' tables and columns are handed
//! in by the caller, which reads them from the SeaORM entities.

use super::entity::EntityDescription;
use super::error::{ParseError, ParseResult, quoted};
use super::grammar::{self, COMMANDS};

pub fn overview(entities: &[EntityDescription]) -> String {
    let usages: Vec<(Vec<String>, &str)> =
        COMMANDS.iter().map(|c| (c.usage(), c.summary)).collect();
    let width = usages
        .iter()
        .flat_map(|(lines, _)| lines.iter())
        .map(|u| u.chars().count())
        .max()
        .unwrap_or(0);
    let mut text =
        String::from("Commands (keywords in any case; user/users and post/posts both work):\n");
    for (lines, summary) in &usages {
        for (i, usage) in lines.iter().enumerate() {
            let summary = if i == 0 { *summary } else { "" };
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
    text.push_str("Quote text with spaces: add post \"hello world\" by john. Type help COMMAND for an example.");
    text
}

pub fn topic(word: &str) -> ParseResult<String> {
    let first = word.split_whitespace().next().unwrap_or(word);
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
    text.push_str(&format!("example:\n  {}", command.example));
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::EntityKind;

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
    }

    #[test]
    fn a_topic_shows_usage_and_an_example() {
        let text = topic("ADD").unwrap();
        assert!(text.starts_with("add: "));
        assert!(text.contains("  add user USERNAME EMAIL\n"));
        assert!(text.ends_with("example:\n  add post \"my first post!\" by john"));
        assert_eq!(topic("get user").unwrap(), topic("get").unwrap());
        assert!(
            topic("gett")
                .unwrap_err()
                .message()
                .contains("did you mean \"get\"")
        );
    }
}
