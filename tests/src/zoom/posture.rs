//! Default account settings: the security posture a connector inspects.
//!
//! The defaults give one passing and one failing check so both paths are exercised:
//! MFA is enforced for all users and web sessions time out after 15 minutes, but
//! end-to-end encrypted meetings are off. As a trap for careless connectors,
//! `in_meeting.e2e_encryption` (which is *not* end-to-end encryption) is `true`.

use serde_json::{Value, json};

/// The default `security` object.
pub fn default_security() -> Value {
    json!({
        "admin_change_name_pic": false,
        "import_photos_from_devices": true,
        "hide_billing_info": false,
        "password_requirement": {
            "minimum_password_length": 10,
            "have_special_character": true,
            "consecutive_characters_length": 0,
            "weak_enhance_detection": true
        },
        "sign_in_with_two_factor_auth": "all",
        "sign_again_period_for_inactivity_on_client": 0,
        "sign_again_period_for_inactivity_on_web": 15
    })
}

/// The default `meeting_security` object.
pub fn default_meeting_security() -> Value {
    json!({
        "auto_security": true,
        "block_user_domain": false,
        "embed_password_in_join_link": true,
        "end_to_end_encrypted_meetings": false,
        "encryption_type": "enhanced_encryption",
        "meeting_password": true,
        "meeting_password_requirement": {
            "length": 8,
            "have_letter": true,
            "have_number": true,
            "have_special_character": false,
            "only_allow_numeric": false,
            "have_upper_and_lower_characters": false,
            "consecutive_characters_length": 0,
            "weak_enhance_detection": false
        },
        "phone_password": true,
        "pmi_password": true,
        "require_password_for_scheduled_meeting": true,
        "webinar_password": false,
        "require_password_for_scheduled_webinar": false,
        "waiting_room": true,
        "waiting_room_settings": {
            "participants_to_place_in_waiting_room": 0,
            "users_who_can_admit_participants_from_waiting_room": 0,
            "whitelisted_domains_for_waiting_room": ""
        }
    })
}

/// The settings body without `option`: the general settings, `security` included.
pub(crate) fn full_settings(security: &Value) -> Value {
    json!({
        "schedule_meeting": {
            "host_video": false,
            "participant_video": false,
            "audio_type": "both",
            "join_before_host": false,
            "require_password_for_pmi_meetings": "all",
            "personal_meeting": true
        },
        "in_meeting": {
            "e2e_encryption": true,
            "chat": true,
            "private_chat": true,
            "file_transfer": false,
            "screen_sharing": true,
            "who_can_share_screen": "host"
        },
        "feature": {"meeting_capacity": 300},
        "security": security,
    })
}

/// The body for `option=meeting_authentication` or `option=recording_authentication`.
pub(crate) fn authentication_settings(option: &str) -> Value {
    let (kind, id) = if option == "recording_authentication" {
        ("internally", "signIn_Rec")
    } else {
        ("enforce_login_with_same_account", "signIn_Mtg")
    };
    json!({
        option: false,
        "authentication_options": [{
            "id": id,
            "name": "Sign in to Zoom",
            "type": kind,
            "default_option": true,
            "visible": true
        }]
    })
}
