//! The microblog's data model as SeaORM 2.x entities: a user has many posts, a post belongs to its
//! author. Everything else in the shell that needs to know the schema (context, describe, help,
//! completion) reads it from here.

pub mod post;
pub mod user;

pub use post::Entity as Post;
pub use user::Entity as User;
