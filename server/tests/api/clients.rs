use axum::http::{Method, StatusCode};
use server::config::{Config, SmtpConfig, SmtpSecurity};
use server::{Services, create_client};

use crate::support::{ORIGIN, TestApp, config, services};

#[tokio::test]
async fn confidential_clients_exchange_with_their_secret() {
    let app = TestApp::new().await;
    let created = create_client(
        &app.state.auth.store,
        &services(&app.clock),
        &server::NewClient {
            name: "Backend app".into(),
            allowed_origins: vec!["https://app.test".into()],
            redirect_uris: vec!["https://app.test/callback".into()],
            confidential: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let id = created.client.id.clone();
    let secret = created.secret.unwrap();
    assert_eq!(format!("{secret:?}"), "[redacted]");
    let stored = app.state.auth.store.client(&id).await.unwrap().unwrap();
    assert_ne!(
        stored.secret_hash.as_deref(),
        Some(secret.expose()),
        "only a hash is stored"
    );

    // Run the code flow as that client (from its own origin).
    let verifier = "v".repeat(43);
    let send = app
        .call(
            Method::POST,
            &format!("/api/v1/auth/passwordless/magic-otp/send?client_id={id}"),
            &[("content-type", "application/json"), ("origin", "https://app.test")],
            Some(axum::body::Body::from(
                serde_json::json!({"email": "c@example.com", "code_challenge": server::crypto::pkce_challenge(&verifier), "code_challenge_method": "S256"}).to_string(),
            )),
        )
        .await;
    assert_eq!(send.status, StatusCode::OK, "{:?}", send.body);
    let state = send.body["state"].as_str().unwrap();
    let otp = app.last_code("c@example.com");
    let verify = app
        .call(
            Method::POST,
            &format!("/api/v1/auth/passwordless/email-otp/verify?client_id={id}"),
            &[("content-type", "application/json")],
            Some(axum::body::Body::from(
                serde_json::json!({"state": state, "otp": otp}).to_string(),
            )),
        )
        .await;
    let code = verify.body["code"].as_str().unwrap();

    let uri = format!("/api/v1/sso/oauth/accesstoken?code={code}");
    let public = app.get(&format!("{uri}&client_id={id}"), &[]).await;
    assert_eq!(
        (public.status, public.error()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    let wrong = app
        .get(
            &uri,
            &[("x-client-id", &id), ("x-client-secret", "sk_wrong")],
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.error()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    let ok = app
        .get(
            &uri,
            &[("x-client-id", &id), ("x-client-secret", secret.expose())],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(
        crate::support::jwt_part(ok.body["access_token"].as_str().unwrap(), 1)["aud"],
        id.as_str()
    );
}

#[tokio::test]
async fn cors_preflight_answers_only_allowed_origins() {
    let app = TestApp::new().await;
    let uri = "/api/v1/auth/passwordless/magic-otp/send?client_id=demo";
    let allowed = app
        .call(
            Method::OPTIONS,
            uri,
            &[
                ("origin", ORIGIN),
                ("access-control-request-method", "POST"),
            ],
            None,
        )
        .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.headers["access-control-allow-origin"], ORIGIN);
    assert!(
        allowed.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("content-type")
    );
    let refused = app
        .call(
            Method::OPTIONS,
            uri,
            &[
                ("origin", "http://auth.test.evil"),
                ("access-control-request-method", "POST"),
            ],
            None,
        )
        .await;
    assert_eq!(
        (refused.status, refused.error()),
        (StatusCode::FORBIDDEN, "invalid_origin")
    );
    assert!(!refused.headers.contains_key("access-control-allow-origin"));
    // The localhost twin of the demo origin is allowed only when the public URL is local.
    let twin = app
        .call(
            Method::OPTIONS,
            uri,
            &[("origin", "http://localhost")],
            None,
        )
        .await;
    assert_eq!(twin.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = TestApp::new().await;
    let missing = app.get("/api/v1/nope", &[]).await;
    assert_eq!(
        (missing.status, missing.error()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let method = app
        .call(
            Method::DELETE,
            "/api/v1/auth/passwordless/magic-otp/send",
            &[],
            None,
        )
        .await;
    assert_eq!(
        (method.status, method.error()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

#[tokio::test]
async fn dev_mailbox_lists_messages_in_demo_mode() {
    let app = TestApp::new().await;
    app.send_code("a@example.com").await;
    let json = app.get("/dev/mailbox.json", &[]).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.body[0]["to"], "a@example.com");
    for field in ["subject", "text", "html", "sent_at"] {
        assert!(json.body[0][field].is_string(), "{field}");
    }
    let page = app.call(Method::GET, "/dev/mailbox", &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let demo = app.call(Method::GET, "/", &[], None).await;
    assert_eq!(demo.status, StatusCode::OK);
}

#[tokio::test]
async fn production_mode_has_no_dev_routes_and_needs_a_master_key_and_smtp() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port: 9,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Login <login@auth.test>".into(),
    };
    let prod = Config {
        demo: false,
        smtp: Some(smtp),
        ..config(&dir)
    };
    let app = TestApp::with_config(prod.clone(), dir).await;
    for path in ["/dev/mailbox", "/dev/mailbox.json", "/"] {
        assert_eq!(
            app.get(path, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let clock = server::clock::ManualClock::new(0);
    let no_key = Config {
        master_key: None,
        ..prod.clone()
    };
    assert!(server::start(no_key, services(&clock)).await.is_err());
    let no_mail = Config { smtp: None, ..prod };
    assert!(server::start(no_mail, Services::real()).await.is_err());
}

#[tokio::test]
async fn signing_key_survives_restart_and_needs_the_same_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    let clock = server::clock::ManualClock::new(0);
    let first = server::start(cfg.clone(), services(&clock)).await.unwrap();
    let kid = first.auth.keys.jwks()["keys"][0]["kid"].clone();
    drop(first);
    let again = server::start(cfg.clone(), services(&clock)).await.unwrap();
    assert_eq!(again.auth.keys.jwks()["keys"][0]["kid"], kid);
    assert_eq!(again.auth.keys.jwks()["keys"].as_array().unwrap().len(), 1);
    let other_key = Config {
        master_key: Some(
            server::crypto::MasterKey::generate_base64(&server::crypto::OsRandom::default())
                .unwrap(),
        ),
        ..cfg
    };
    let err = server::start(other_key, services(&clock))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("decrypt"), "{err}");
}

#[tokio::test]
async fn widget_files_load_from_any_origin() {
    let dir = tempfile::tempdir().unwrap();
    let widget = tempfile::tempdir().unwrap();
    std::fs::write(widget.path().join("widget.js"), "export default 1;").unwrap();
    let cfg = Config {
        widget_dir: Some(widget.path().to_owned()),
        ..config(&dir)
    };
    let app = TestApp::with_config(cfg, dir).await;
    // A customer's page imports the module (CORS mode, with its own Origin).
    let (status, body, _) = app
        .raw_request(
            Method::GET,
            "/widget/widget.js",
            &[("origin", "https://customer.example")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "export default 1;");
    let reply = app
        .get("/widget/widget.js", &[("origin", "http://localhost:1")])
        .await;
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn client_registration_rejects_wildcards_and_unknown_methods() {
    let app = TestApp::new().await;
    let register = |spec: server::NewClient| {
        let store = app.state.auth.store.clone();
        let services = services(&app.clock);
        async move { create_client(&store, &services, &spec).await }
    };
    let base = || server::NewClient {
        name: "App".into(),
        ..Default::default()
    };
    let wildcard = server::NewClient {
        allowed_origins: vec!["https://*.app.test".into()],
        ..base()
    };
    assert!(
        register(wildcard)
            .await
            .unwrap_err()
            .to_string()
            .contains("not an origin")
    );
    let path = server::NewClient {
        redirect_uris: vec!["https://app.test/*".into()],
        ..base()
    };
    assert!(register(path).await.is_err());
    let method = server::NewClient {
        methods: Some(vec!["carrier_pigeon".into()]),
        ..base()
    };
    assert!(
        register(method)
            .await
            .unwrap_err()
            .to_string()
            .contains("unknown sign-in method")
    );
    let ttl = server::NewClient {
        magic_link_ttl: Some(5),
        ..base()
    };
    assert!(register(ttl).await.is_err());
    let ok = server::NewClient {
        methods: Some(vec!["magic_link".into()]),
        magic_link_ttl: Some(900),
        ..base()
    };
    let client = register(ok).await.unwrap().client;
    let stored = app
        .state
        .auth
        .store
        .client(&client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.methods, vec!["magic_link".to_owned()]);
    assert_eq!(stored.magic_link_ttl, Some(900));
    assert!(
        register(server::NewClient {
            name: " ".into(),
            ..Default::default()
        })
        .await
        .is_err()
    );
}
