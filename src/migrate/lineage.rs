//! Two people's migrations: each migration names the one it was written after (its file's
//! `WRITTEN_AFTER`). Two written after the same one come from two branches, merged (Alembic's
//! "multiple heads"); applying them in list order would run them in an order nobody chose. Found
//! here, in the compiled list (`migrate check`, `status`, `up`) and in the sources (`generate`),
//! each as one line that says what to do.

/// One migration and the one it was written after (`None`: the first, after base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub after: Option<String>,
}

impl Written {
    pub fn new(name: &str, after: Option<&str>) -> Self {
        Written {
            name: name.to_string(),
            after: after.map(str::to_string),
        }
    }
}

fn after_name(after: Option<&str>) -> &str {
    after.unwrap_or("base")
}

/// What is wrong with the list, one line per problem; empty when each migration follows the one
/// it was written after.
pub fn problems(list: &[Written]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut explained = vec![false; list.len()];
    // Several written after the same one: the later ones in the list are to be moved.
    for (i, first) in list.iter().enumerate() {
        if explained[i] {
            continue;
        }
        let siblings: Vec<usize> = (i + 1..list.len())
            .filter(|&j| list[j].after == first.after)
            .collect();
        if siblings.is_empty() {
            continue;
        }
        let mut names = vec![first.name.as_str()];
        names.extend(siblings.iter().map(|&j| list[j].name.as_str()));
        let last = names.len() - 1;
        let all = format!("{} and {}", names[..last].join(", "), names[last]);
        let later = siblings[0];
        lines.push(format!(
            "{all} were all written after {} (migrations from two branches, merged): decide \
             their order, e.g. set WRITTEN_AFTER in {}'s file to Some(\"{}\") and keep it right \
             after that one in the list, then rebuild; until then migrations do not run",
            after_name(first.after.as_deref()),
            list[later].name,
            list[later - 1].name,
        ));
        explained[i] = true;
        for j in siblings {
            explained[j] = true;
        }
    }
    for (i, migration) in list.iter().enumerate() {
        if explained[i] {
            continue;
        }
        let before = i.checked_sub(1).map(|p| list[p].name.as_str());
        if migration.after.as_deref() == before {
            continue;
        }
        let wanted = after_name(migration.after.as_deref());
        let known = migration.after.is_none()
            || list
                .iter()
                .any(|m| Some(&m.name) == migration.after.as_ref());
        lines.push(if known {
            format!(
                "{} was written after {wanted} but the list has it after {}: move it right \
                 after {wanted} in the list, or set its WRITTEN_AFTER to the one it now follows; \
                 until then migrations do not run",
                migration.name,
                after_name(before)
            )
        } else {
            format!(
                "{} was written after {wanted}, which this list does not have: add that \
                 migration (from the branch it was written on) before it; until then migrations \
                 do not run",
                migration.name
            )
        });
    }
    lines
}

/// A migration the database records as applied that the list does not have.
pub fn unknown_applied(name: &str) -> String {
    format!(
        "{name} is applied in this database but this shell does not have it (a migration from \
         another branch, or one deleted): run a shell built with it, which can revert it \
         (`migrate down`), or add its file back; until then migrations do not run"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[(&str, Option<&str>)]) -> Vec<Written> {
        entries.iter().map(|(n, a)| Written::new(n, *a)).collect()
    }

    #[test]
    fn a_straight_line_has_no_problem() {
        assert!(problems(&list(&[("a", None), ("b", Some("a")), ("c", Some("b"))])).is_empty());
        assert!(problems(&[]).is_empty());
    }

    #[test]
    fn two_written_after_the_same_one_are_one_line_naming_both() {
        let found = problems(&list(&[("a", None), ("b", Some("a")), ("c", Some("a"))]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("b and c were all written after a")
                && found[0].contains("set WRITTEN_AFTER in c's file to Some(\"b\")"),
            "{found:?}"
        );
        // Three heads, one of them at base.
        let found = problems(&list(&[("a", None), ("b", None), ("c", None)]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("a, b and c were all written after base"));
    }

    #[test]
    fn a_migration_out_of_place_or_after_a_missing_one_is_named() {
        let found = problems(&list(&[("a", None), ("c", Some("b")), ("b", Some("a"))]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("c was written after b but the list has it after a"));
        assert!(found[1].starts_with("b was written after a but the list has it after c"));
        let found = problems(&list(&[("a", None), ("c", Some("x"))]));
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("c was written after x, which this list does not have"));
    }
}
