//! The entities against a migrated SQLite file: the relation both ways, and a post's timestamp that
//! defaults to now in UTC and is stored as the Flask app stores it.

use crate::util::{TestDir, open, rows};
use chrono::{NaiveDateTime, Utc};
use microblog_shell::db::sql::conn::Conn;
use microblog_shell::entities::{Post, User, post, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, ModelTrait};

#[tokio::test]
async fn a_user_has_posts_and_a_post_has_its_author_with_a_utc_timestamp() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    let conn = open(&url).await;
    let db = Conn::connection(&conn).data();

    let john = user::ActiveModel {
        username: Set("john".into()),
        email: Set("john@example.com".into()),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let before = Utc::now().naive_utc();
    let first = post::ActiveModel {
        body: Set("my first post!".into()),
        user_id: Set(john.id),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let after = Utc::now().naive_utc();
    assert!(
        before <= first.timestamp && first.timestamp <= after,
        "{first:?}"
    );

    // Stored as SQLAlchemy stores a DateTime on SQLite: always six fraction digits.
    let stored = rows(&conn, "SELECT timestamp FROM post").await[0][0].clone();
    assert!(
        NaiveDateTime::parse_from_str(&stored, "%Y-%m-%d %H:%M:%S%.6f").is_ok()
            && stored.len() == 26,
        "{stored}"
    );

    let posts = john.find_related(Post).all(&db).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body, "my first post!");
    let author = first.find_related(User).one(&db).await.unwrap().unwrap();
    assert_eq!(author.username, "john");

    // And it reads back to the same instant.
    let again = Post::find_by_id(first.id).one(&db).await.unwrap().unwrap();
    assert_eq!(again.timestamp, first.timestamp);
}
