//! Building blocks shared by the flows.

mod button;
mod card;
mod error;
mod icon;
mod spinner;

pub use button::SubmitButton;
pub use card::Card;
pub use error::ErrorRegion;
pub use icon::{CheckIcon, KeyIcon, MailIcon, PhoneIcon};
pub use spinner::Spinner;
