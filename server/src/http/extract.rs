//! Extractors that answer bad input with our error format.

use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::crypto;
use crate::error::ApiError;
use crate::store::Client;

/// JSON body; a malformed body gets `invalid_request` in our format.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    let message = match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "Expected a JSON body with Content-Type: application/json".to_owned()
        }
        JsonRejection::JsonSyntaxError(_) => "The body is not valid JSON".to_owned(),
        JsonRejection::JsonDataError(e) => format!("The JSON body does not fit: {}", e.body_text()),
        other => other.body_text(),
    };
    ApiError::invalid_request(message)
}

/// Query string; bad parameters get `invalid_request` in our format.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(
                ApiError::invalid_request(format!("Bad query parameters: {}", e.body_text())),
            ),
            Err(other) => Err(ApiError::invalid_request(other.body_text())),
        }
    }
}

/// The caller's IP address (the TCP peer), or `unknown` when not served over TCP.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

/// `client_id` from the query string, if any.
pub fn query_client_id(uri: &axum::http::Uri) -> Option<String> {
    let query = uri.query()?;
    form_pairs(query)
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v)
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
}

/// Loads a client by id, using the copy the CORS layer already loaded when there is one.
pub async fn load_client(parts: &Parts, state: &AppState, id: &str) -> Result<Client, ApiError> {
    if let Some(client) = parts.extensions.get::<Client>().filter(|c| c.id == id) {
        return Ok(client.clone());
    }
    state
        .auth
        .store
        .client(id)
        .await?
        .ok_or_else(|| ApiError::invalid_client("Unknown client_id"))
}

/// A public (browser) call's client, named by the `client_id` query parameter.
#[derive(Debug, Clone)]
pub struct PublicClient(pub Client);

impl FromRequestParts<AppState> for PublicClient {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = query_client_id(&parts.uri)
            .ok_or_else(|| ApiError::invalid_request("client_id is required"))?;
        Ok(Self(load_client(parts, state, &id).await?))
    }
}

/// The client of a token call: confidential (`x-client-id` + `x-client-secret` headers,
/// checked) or public (`client_id` query parameter, only for clients without a secret).
#[derive(Debug, Clone)]
pub struct TokenClient {
    /// The client.
    pub client: Client,
    /// Whether it proved its secret.
    pub confidential: bool,
}

impl FromRequestParts<AppState> for TokenClient {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if let (Some(id), Some(secret)) = (header("x-client-id"), header("x-client-secret")) {
            let client = load_client(parts, state, &id).await?;
            let stored = client.secret_hash.as_deref().ok_or_else(|| {
                ApiError::invalid_client("This client has no secret; it is public")
            })?;
            if !crypto::constant_time_eq(
                crypto::sha256_hex(secret.as_bytes()).as_bytes(),
                stored.as_bytes(),
            ) {
                return Err(ApiError::invalid_client("Wrong client secret"));
            }
            return Ok(Self {
                client,
                confidential: true,
            });
        }
        let id = query_client_id(&parts.uri)
            .or_else(|| header("x-client-id"))
            .ok_or_else(|| ApiError::invalid_request("client_id is required"))?;
        let client = load_client(parts, state, &id).await?;
        if client.secret_hash.is_some() {
            return Err(ApiError::invalid_client(
                "This client must authenticate with x-client-secret",
            ));
        }
        Ok(Self {
            client,
            confidential: false,
        })
    }
}

/// The bearer token of the `Authorization` header.
#[derive(Debug)]
pub struct Bearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::invalid_token("An Authorization: Bearer token is required"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::invalid_token("The Authorization header must be `Bearer <token>`")
            })?;
        Ok(Self(token.to_owned()))
    }
}
