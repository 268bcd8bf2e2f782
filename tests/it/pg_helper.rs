//! The per-test database helper itself.

use dockhand_tests::pg::TestDb;

#[tokio::test]
async fn each_test_gets_its_own_database_and_it_is_dropped() {
    let db = TestDb::create("helper")
        .await
        .expect("PostgreSQL must be running for these tests");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(name, db.name);
    drop(conn);
    let dropped = db.name.clone();
    db.drop_database().await.unwrap();
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(&dockhand_tests::pg::admin_url())
            .await
            .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&dropped)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_unreachable_server_is_reported_clearly() {
    // Port 1 on loopback: nothing listens there.
    let err = unreachable_error().await;
    assert!(err.contains("PostgreSQL is not reachable"), "{err}");
    assert!(err.contains("DATABASE_URL"), "{err}");
}

async fn unreachable_error() -> String {
    dockhand_tests::pg::create_at("postgres://postgres@127.0.0.1:1/postgres", "x")
        .await
        .unwrap_err()
        .to_string()
}
