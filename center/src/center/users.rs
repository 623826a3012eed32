//! The center's people: administrators, approvers and keepers added, listed and disabled.

use sqlx::Row;

use super::core::Center;
use crate::audit::Event;
use crate::error::{Error, Result};
use crate::names;
use crate::password;
use crate::registry::{Actor, Role, User};
use docseal_center_client::clock::now;

impl Center {
    pub async fn add_user(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        pass: &str,
    ) -> Result<User> {
        actor.require(Role::Administrator, "adding a user")?;
        let name = names::user_name(name)?;
        let name = name.as_str();
        let key = names::skeleton(name);
        let hash = password::hash(&names::password(pass)?)?;
        let t = now();
        let mut tx = self.store.pool().begin().await?;
        // A name that reads as one already there (another case, fullwidth letters, look-alike
        // characters of another script) is the same name (UTS #39 confusable skeletons).
        let taken = sqlx::query("SELECT name FROM users")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .find(|other| names::skeleton(other) == key);
        if let Some(other) = taken {
            return Err(Error::Invalid(format!(
                "a user named {} exists already, and {} would read as the same name",
                names::for_terminal(&other),
                names::for_terminal(name)
            )));
        }
        // The unique key makes two administrators adding look-alikes at once fail as well.
        sqlx::query(&self.store.sql(
            "INSERT INTO users (name, role, password_hash, created_at, name_key) VALUES ($1, $2, $3, $4, $5)",
        ))
        .bind(name)
        .bind(role.as_str())
        .bind(&hash)
        .bind(t)
        .bind(&key)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::Invalid(format!(
                "a user whose name reads as {} exists already",
                names::for_terminal(name)
            )),
            other => other.into(),
        })?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "user-add".into(),
                outcome: "ok".into(),
                detail: Some(format!("{name} ({})", role.as_str())),
                ..Event::default()
            },
            false,
        )
        .await?;
        Ok(User {
            name: name.to_string(),
            role,
            disabled: false,
            created_at: t,
        })
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT name, role, disabled, created_at FROM users ORDER BY name")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(User {
                    name: r.try_get(0)?,
                    role: Role::parse(&r.try_get::<String, _>(1)?)?,
                    disabled: r.try_get::<i64, _>(2)? != 0,
                    created_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn disable_user(&self, actor: &Actor, name: &str) -> Result<()> {
        actor.require(Role::Administrator, "disabling a user")?;
        if name == actor.name {
            return Err(Error::Invalid(
                "an administrator cannot disable themself".into(),
            ));
        }
        let mut tx = self.store.pool().begin().await?;
        let done = sqlx::query(
            &self
                .store
                .sql("UPDATE users SET disabled = 1 WHERE name = $1"),
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NoSuchUser(name.to_string()));
        }
        sqlx::query(&self.store.sql("DELETE FROM sessions WHERE user_name = $1"))
            .bind(name)
            .execute(&mut *tx)
            .await?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "user-disable".into(),
                outcome: "ok".into(),
                detail: Some(name.to_string()),
                ..Event::default()
            },
            false,
        )
        .await
    }
}
