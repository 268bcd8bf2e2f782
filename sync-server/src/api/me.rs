//! `GET /v1/me`: any authenticated device learns who it is (id, name, role, warehouse) and
//! what its role may do, so a picker's handheld need not provoke a 403 to find out it is a
//! picker. What it may do is read from the very role lists the endpoints pass to
//! [`Authed::require`]; this module holds no rules of its own.

use axum::Json;
use chrono::{DateTime, Utc};
use dockhand_app::protocol::WhoAmI;

use super::auth::Authed;
use super::error::ApiFailure;
use super::{admin, conflicts, reports, stream};
use crate::store::AuthedDevice;

pub async fn whoami(authed: Authed) -> Result<Json<WhoAmI>, ApiFailure> {
    Ok(Json(identity_of(&authed.0, Utc::now())))
}

/// What `GET /v1/me` answers `device` at `server_time`. Public so a stand-in for the server
/// (the handheld's screenshots and demos) says exactly what the server would.
pub fn identity_of(device: &AuthedDevice, server_time: DateTime<Utc>) -> WhoAmI {
    let authed = Authed(device.clone());
    WhoAmI {
        device_id: device.device_id,
        name: device.name.clone(),
        role: device.role.as_str().to_owned(),
        warehouse: device.warehouse.clone(),
        can_read_conflicts: authed.may(&conflicts::READ_ROLES),
        can_resolve_conflicts: authed.may(&conflicts::RESOLVE_ROLES),
        can_list_devices: authed.may(&admin::SUPERVISION),
        can_enrol_devices: authed.may(&admin::ADMIN),
        can_import_data: authed.may(&admin::ADMIN),
        can_read_reports: authed.may(&reports::READERS),
        can_read_stream: authed.may(&stream::STREAM_ROLES),
        server_time,
    }
}

#[cfg(test)]
mod tests {
    use dockhand_app::domain::{DeviceId, WarehouseCode};

    use super::*;
    use crate::store::Role;

    fn device(role: Role) -> AuthedDevice {
        AuthedDevice {
            device_id: DeviceId::new_random(),
            warehouse: WarehouseCode::new("WH1").unwrap(),
            role,
            name: "hand 7".into(),
        }
    }

    #[test]
    fn each_role_is_told_what_the_endpoints_let_it_do() {
        let now = Utc::now();
        let picker = identity_of(&device(Role::Picker), now);
        assert_eq!(picker.role, "picker");
        assert_eq!(picker.name, "hand 7");
        assert!(!picker.can_read_conflicts && !picker.can_resolve_conflicts);
        assert!(!picker.can_list_devices && !picker.can_import_data);
        let receiver = identity_of(&device(Role::Receiver), now);
        assert!(!receiver.can_read_conflicts && !receiver.can_read_stream);
        let supervisor = identity_of(&device(Role::Supervisor), now);
        assert!(supervisor.can_read_conflicts && supervisor.can_resolve_conflicts);
        assert!(supervisor.can_list_devices && supervisor.can_read_reports);
        assert!(!supervisor.can_enrol_devices && !supervisor.can_import_data);
        let admin = identity_of(&device(Role::Admin), now);
        assert!(admin.can_read_conflicts && !admin.can_resolve_conflicts);
        assert!(admin.can_enrol_devices && admin.can_import_data && admin.can_read_stream);
    }
}
