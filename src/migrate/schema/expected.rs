//! The schema the entities declare: columns with their types, nullability and primary keys,
//! `indexed` columns as SQLAlchemy-named indexes (unique when the column is), and `belongs_to`
//! relations as foreign keys.

use sea_orm::sea_query::StringLen;
use sea_orm::{
    ColumnTrait, ColumnType, DbBackend, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn,
    RelationDef, RelationTrait, RelationType, Schema as EntitySchema,
};

use super::{Column, ForeignKey, Index, Schema, Table, index_name};
use crate::entities::{post, user};

/// The whole model.
pub fn schema() -> Schema {
    let mut schema = tutorial_schema();
    if let Some(posts) = schema.tables.get_mut("post") {
        posts
            .indexes
            .extend(post::COMPOSITE_INDEXES.iter().map(|(name, columns)| Index {
                name: name.to_string(),
                columns: columns.iter().map(|c| c.to_string()).collect(),
                unique: false,
            }));
    }
    schema
}

/// The schema as the Flask app's models make it (and `migration::TUTORIAL_SCHEMA` leaves it):
/// the model without the shell's own composite indexes.
pub fn tutorial_schema() -> Schema {
    let mut schema = Schema::default();
    for (name, table) in [table_of(user::Entity), table_of(post::Entity)] {
        schema.tables.insert(name, table);
    }
    schema
}

fn table_of<E>(entity: E) -> (String, Table)
where
    E: EntityTrait,
    E::Relation: RelationTrait,
{
    let name = entity.table_name().to_string();
    let primary: Vec<String> = E::PrimaryKey::iter()
        .map(|k| k.into_column().as_str().to_string())
        .collect();
    let columns = E::Column::iter()
        .map(|c| {
            let def = c.def();
            Column {
                name: c.as_str().to_string(),
                kind: type_name(def.get_column_type()),
                nullable: def.is_null(),
                primary_key: primary.iter().any(|p| p == c.as_str()),
            }
        })
        .collect();
    // Which columns are `indexed` is only visible through the indexes SeaORM would create (for
    // columns that are not unique; the backend does not matter for that). A unique column gets a
    // unique index, as SQLAlchemy's `index=True, unique=True` makes.
    let indexed: Vec<String> = EntitySchema::new(DbBackend::Sqlite)
        .create_index_from_entity(entity)
        .iter()
        .map(|index| index.get_index_spec().get_column_names())
        .filter(|columns| columns.len() == 1)
        .flatten()
        .collect();
    let indexes = E::Column::iter()
        .filter_map(|c| {
            let column = c.as_str().to_string();
            let unique = c.def().is_unique();
            (unique || indexed.contains(&column)).then(|| Index {
                name: index_name(&name, &column),
                unique,
                columns: vec![column],
            })
        })
        .collect();
    let foreign_keys = E::Relation::iter()
        .map(|r| r.def())
        // SeaORM 2 marks a `belongs_to` as the non-owning half of a one-to-one: the side that
        // holds the foreign key (`has_many`/`has_one` are the owning sides).
        .filter(|def| def.rel_type == RelationType::HasOne && !def.is_owner)
        .filter_map(foreign_key)
        .collect();
    (
        name,
        Table {
            columns,
            indexes,
            foreign_keys,
        },
    )
}

fn foreign_key(def: RelationDef) -> Option<ForeignKey> {
    let column = def.from_col.iter().next()?.to_string();
    let references = def.to_col.iter().next()?.to_string();
    let table = match &def.to_tbl {
        sea_orm::sea_query::TableRef::Table(name, _) => name.1.to_string(),
        _ => return None,
    };
    Some(ForeignKey {
        column,
        table,
        references,
    })
}

/// A SeaORM column type in the normalized spelling of [`super::normalize_type`].
pub fn type_name(kind: &ColumnType) -> String {
    match kind {
        ColumnType::Integer | ColumnType::Unsigned => "integer".to_string(),
        ColumnType::BigInteger | ColumnType::BigUnsigned => "bigint".to_string(),
        ColumnType::SmallInteger | ColumnType::SmallUnsigned => "smallint".to_string(),
        ColumnType::String(StringLen::N(n)) => format!("varchar({n})"),
        ColumnType::String(_) => "varchar".to_string(),
        ColumnType::Text => "text".to_string(),
        ColumnType::DateTime | ColumnType::Timestamp => "datetime".to_string(),
        ColumnType::Boolean => "boolean".to_string(),
        ColumnType::Float | ColumnType::Double => "float".to_string(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, unique) of each index, by name.
    fn sorted_indexes(table: &Table) -> Vec<(&str, bool)> {
        let mut indexes: Vec<_> = table
            .indexes
            .iter()
            .map(|i| (i.name.as_str(), i.unique))
            .collect();
        indexes.sort();
        indexes
    }

    #[test]
    fn the_entities_declare_the_tutorials_schema() {
        let schema = schema();
        let user = &schema.tables["user"];
        let kinds: Vec<(&str, &str, bool, bool)> = user
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str(), c.nullable, c.primary_key))
            .collect();
        assert_eq!(
            kinds,
            [
                ("id", "integer", false, true),
                ("username", "varchar(64)", false, false),
                ("email", "varchar(120)", false, false),
                ("password_hash", "varchar(256)", true, false),
            ]
        );
        assert_eq!(
            sorted_indexes(user),
            [("ix_user_email", true), ("ix_user_username", true)]
        );

        let post = &schema.tables["post"];
        assert_eq!(post.column("timestamp").unwrap().kind, "datetime");
        assert_eq!(
            sorted_indexes(post),
            [
                ("ix_post_timestamp", false),
                ("ix_post_user_id", false),
                ("ix_post_user_id_timestamp", false)
            ]
        );
        let tutorial = tutorial_schema();
        assert_eq!(
            tutorial.tables["post"].indexes.len(),
            2,
            "the Flask app's two"
        );
        assert_eq!(
            post.foreign_keys,
            [ForeignKey {
                column: "user_id".into(),
                table: "user".into(),
                references: "id".into()
            }]
        );
        assert!(user.foreign_keys.is_empty(), "has_many owns no key");
    }
}
