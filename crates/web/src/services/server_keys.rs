//! Secrets every instance shares, kept in the database: the first instance to need one
//! creates it, and every instance then reads the same.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entities::server_keys;

/// The 32-byte key called `name`, created at random if there is none yet.
///
/// # Errors
/// The database failed, or holds a value that is not 32 bytes of hex.
pub async fn load_or_create(db: &impl ConnectionTrait, name: &str) -> Result<[u8; 32], DbErr> {
    let candidate = crate::auth::random_hex(32);
    // Two instances starting together both insert; the first wins and both read it.
    server_keys::Entity::insert(server_keys::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(candidate),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(server_keys::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await?;
    let stored = server_keys::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("server key {name}")))?;
    decode(&stored.value).ok_or_else(|| DbErr::Custom(format!("server key {name} is malformed")))
}

fn decode(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_decode_from_64_hex_digits_only() {
        let hex = "ab".repeat(32);
        assert_eq!(super::decode(&hex), Some([0xab; 32]));
        assert_eq!(super::decode("abc"), None);
        assert_eq!(super::decode(&"zz".repeat(32)), None);
    }
}
