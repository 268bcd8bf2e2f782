//! The OpenAPI 3.1 document served at `/v1/openapi.json`, written by hand: the wire types
//! live in `dockhand_app::protocol`, whose serde forms this describes.

/// The document, as JSON text.
pub const DOCUMENT: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Dockhand sync server", "version": "1"},
  "components": {
    "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "ApiError": {"type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "detail": {}}},
      "RawEvent": {"type": "object",
        "required": ["v", "event_id", "device_id", "device_seq", "occurred_at", "operator", "warehouse", "kind", "payload"],
        "properties": {"v": {"type": "integer"}, "event_id": {"type": "string", "format": "uuid"},
          "device_id": {"type": "string", "format": "uuid"}, "device_seq": {"type": "integer", "minimum": 1},
          "occurred_at": {"type": "string", "format": "date-time"}, "operator": {"type": "string"},
          "warehouse": {"type": "string"}, "scan": {"type": "object"}, "kind": {"type": "string"},
          "payload": {"type": "object"}}},
      "PushRequest": {"type": "object", "required": ["device_id", "events"],
        "properties": {"device_id": {"type": "string", "format": "uuid"},
          "events": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/RawEvent"}},
          "queued": {"type": "integer"}}},
      "EventResult": {"type": "object", "required": ["device_seq", "event_id", "outcome"],
        "properties": {"device_seq": {"type": "integer"}, "event_id": {"type": "string"},
          "outcome": {"enum": ["applied", "applied_with_conflict", "rejected"]},
          "conflict_id": {"type": ["integer", "null"]}, "conflict_kind": {"type": "string"},
          "message": {"type": "string"}, "reason": {"type": "string"}}},
      "PushResponse": {"type": "object", "required": ["results", "last_applied_seq", "server_time"],
        "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/EventResult"}},
          "last_applied_seq": {"type": "integer"}, "server_time": {"type": "string", "format": "date-time"},
          "commit_txid": {"type": "integer", "description": "server transaction that last applied this device's events"}}},
      "PullResponse": {"type": "object",
        "required": ["warehouse", "changes", "next_cursor", "has_more", "refetch", "server_time"],
        "properties": {"warehouse": {"type": "string"},
          "changes": {"type": "array", "items": {"type": "object", "required": ["type", "data"],
            "properties": {"type": {"enum": ["item", "location", "balance", "pick_task", "pick_task_closed", "inbound_document", "conflict"]}, "data": {}}}},
          "next_cursor": {"type": "string"}, "has_more": {"type": "boolean"},
          "refetch": {"type": "boolean"}, "server_time": {"type": "string", "format": "date-time"},
          "barrier": {"type": "integer", "description": "every transaction below this id has ended; with has_more false the page completes them"}}},
      "WhoAmI": {"type": "object",
        "required": ["device_id", "name", "role", "warehouse", "can_read_conflicts", "can_resolve_conflicts", "can_list_devices",
          "can_enrol_devices", "can_import_data", "can_read_reports", "can_read_stream", "server_time"],
        "properties": {"device_id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
          "role": {"enum": ["picker", "receiver", "supervisor", "admin"]}, "warehouse": {"type": "string"},
          "can_read_conflicts": {"type": "boolean"}, "can_resolve_conflicts": {"type": "boolean"},
          "can_list_devices": {"type": "boolean"}, "can_enrol_devices": {"type": "boolean"},
          "can_import_data": {"type": "boolean"}, "can_read_reports": {"type": "boolean"},
          "can_read_stream": {"type": "boolean"}, "server_time": {"type": "string", "format": "date-time"}}},
      "Resolution": {"type": "object", "required": ["action"],
        "properties": {"action": {"enum": ["accept", "reject", "adjust", "recount"]}, "note": {"type": "string"},
          "adjustment": {"type": "object", "required": ["item", "location", "status", "delta"],
            "properties": {"item": {"type": "string"}, "location": {"type": "string"}, "lot": {"type": "string"},
              "status": {"type": "string"}, "delta": {"type": "integer"}}}}}
    },
    "responses": {
      "Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
    }
  },
  "security": [{"device": []}],
  "paths": {
    "/healthz": {"get": {"security": [], "summary": "Liveness and database reachability", "responses": {"200": {"description": "ok"}, "503": {"description": "database unavailable"}}}},
    "/metrics": {"get": {"security": [], "summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format"}}}},
    "/v1/openapi.json": {"get": {"security": [], "summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    "/v1/push": {"post": {"summary": "Push a device's events (any role); idempotent by device_seq",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}}},
      "responses": {"200": {"description": "Results for the contiguous events taken", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushResponse"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"},
        "413": {"$ref": "#/components/responses/Error"}}}},
    "/v1/pull": {"get": {"summary": "Changes of the device's warehouse after a cursor (any role)",
      "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 5000}}],
      "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PullResponse"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
    "/v1/me": {"get": {"summary": "This device (any role): id, name, role, warehouse, what its role may do (the same role checks the endpoints enforce) and the server's time",
      "responses": {"200": {"description": "Who the token belongs to", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WhoAmI"}}}},
        "401": {"$ref": "#/components/responses/Error"}}}},
    "/v1/conflicts": {"get": {"summary": "Conflicts of the warehouse (supervisor, admin)",
      "parameters": [{"name": "state", "in": "query", "schema": {"enum": ["open", "recount_requested", "resolved"]}}, {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "Newest first"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/conflicts/{id}": {"get": {"summary": "A conflict with its evidence and resolutions (supervisor, admin)",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "Detail"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/conflicts/{id}/resolve": {"post": {"summary": "Resolve a conflict (supervisor)",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resolution"}}}},
      "responses": {"200": {"description": "The conflict after resolution"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
    "/v1/devices": {
      "get": {"summary": "Devices of the warehouse with sync health (supervisor, admin)", "responses": {"200": {"description": "Devices"}}},
      "post": {"summary": "Enrol a device in the admin's warehouse; the token is returned once (admin)",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["role"],
          "properties": {"role": {"enum": ["picker", "receiver", "supervisor", "admin"]}, "name": {"type": "string"}, "device_id": {"type": "string", "format": "uuid"}}}}}},
        "responses": {"201": {"description": "Enrolled, with its token"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/imports/items": {"post": {"summary": "Upsert items (admin): JSON array of Item, or text/csv", "responses": {"200": {"description": "Summary"}}}},
    "/v1/imports/locations": {"post": {"summary": "Upsert locations (admin): JSON array of Location, or text/csv", "responses": {"200": {"description": "Summary"}}}},
    "/v1/imports/inbound-documents": {"post": {"summary": "Upsert ASNs/POs with lines (admin): JSON or text/csv", "responses": {"200": {"description": "Summary"}}}},
    "/v1/imports/orders": {"post": {"summary": "Upsert orders with lines (admin): JSON or text/csv", "responses": {"200": {"description": "Summary"}}}},
    "/v1/imports/pick-tasks": {"post": {"summary": "Create pick tasks (admin): JSON array of PickTaskRecord; each line reserves what the bin has free; the answer lists lines reserved short", "responses": {"200": {"description": "Summary"}, "409": {"$ref": "#/components/responses/Error"}}}},
    "/v1/sscc/scheme": {"get": {"summary": "The warehouse's SSCC range: GS1 company prefix, extension digit, next serial reference to lease", "responses": {"200": {"description": "SsccSchemeState"}, "409": {"$ref": "#/components/responses/Error"}}},
      "put": {"summary": "Set the warehouse's SSCC range (admin): {company_prefix, extension}", "responses": {"200": {"description": "SsccSchemeState"}, "422": {"$ref": "#/components/responses/Error"}}}},
    "/v1/sscc/leases": {"post": {"summary": "Lease this device a block of SSCC serial references: {size} (default 1000, at most 1000000) -> {extension, company_prefix, first, last}", "responses": {"201": {"description": "SsccBlock"}, "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
    "/v1/stream": {"get": {"summary": "The warehouse's stock stream as Server-Sent Events (supervisor, admin): ledger movements, conflicts, alerts in commit order; event id '<txid>:<id>', event type stock|conflict|alert, data the same JSON the relay publishes to NATS (docs/stream.md)",
      "parameters": [{"name": "warehouse", "in": "query", "schema": {"type": "string"}, "description": "must be the device's own warehouse"},
        {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}, "description": "resume right after this event"},
        {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "as Last-Event-ID"},
        {"name": "from", "in": "query", "schema": {"enum": ["now", "start"]}, "description": "without an event id: the current end (default) or the oldest message kept"}],
      "responses": {"200": {"description": "text/event-stream", "content": {"text/event-stream": {}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
        "410": {"description": "pruned: the event id is older than the outbox's retention; reconnect without it", "$ref": "#/components/responses/Error"}}}},
    "/v1/imports/suppliers": {"post": {"summary": "Upsert suppliers with lead times (admin): JSON array of {code, name?, lead_time_days?}, or text/csv", "responses": {"200": {"description": "Summary"}, "400": {"$ref": "#/components/responses/Error"}}}},
    "/v1/imports/item-supply": {"post": {"summary": "Upsert item supply terms (admin): JSON array of {item, supplier?, standard_cost?, lead_time_days?}, or text/csv", "responses": {"200": {"description": "Summary"}, "400": {"$ref": "#/components/responses/Error"}}}},
    "/v1/reports": {"get": {"summary": "Report names (supervisor, admin)", "responses": {"200": {"description": "Names and formats"}}}},
    "/v1/reports/{name}": {"get": {"summary": "One report of the device's warehouse (supervisor, admin); parameters in docs/reports.md",
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"enum": ["on-hand", "valuation", "turns", "dead-stock", "shrinkage", "suppliers", "constraint-health", "replenishment", "abc-xyz", "alerts", "purchase-suggestions"]}},
        {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}, {"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "velocity_days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 730}}, {"name": "order_days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 730}},
        {"name": "policy", "in": "query", "schema": {"enum": ["velocity", "reorder_point"]}}, {"name": "by", "in": "query", "schema": {"enum": ["item", "category", "location"]}}],
      "responses": {"200": {"description": "{report, warehouse, as_of, refreshed_through, columns, rows, notes} or CSV"}, "400": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/reports/run": {"post": {"summary": "Replenishment and alert run of the device's warehouse (supervisor, admin): zone changes, suggested POs, alerts in one transaction", "responses": {"200": {"description": "What the run wrote"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/reports/refresh": {"post": {"summary": "Fold ledger rows committed since the last refresh into the report summaries (supervisor, admin)", "responses": {"200": {"description": "The new high-water mark"}}}}
  }
}"##;

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_valid_json_and_lists_every_route() {
        let doc: serde_json::Value = serde_json::from_str(super::DOCUMENT).unwrap();
        for path in [
            "/v1/push",
            "/v1/pull",
            "/v1/me",
            "/v1/conflicts/{id}/resolve",
            "/v1/devices",
            "/v1/stream",
            "/v1/reports/{name}",
            "/v1/reports/run",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
    }

    #[test]
    fn the_who_am_i_schema_names_every_field_the_server_sends() {
        use crate::store::{AuthedDevice, Role};
        let doc: serde_json::Value = serde_json::from_str(super::DOCUMENT).unwrap();
        let schema = &doc["components"]["schemas"]["WhoAmI"];
        let device = AuthedDevice {
            device_id: dockhand_app::domain::DeviceId::new_random(),
            warehouse: dockhand_app::domain::WarehouseCode::new("WH1").unwrap(),
            role: Role::Picker,
            name: String::new(),
        };
        let sent =
            serde_json::to_value(crate::api::identity_of(&device, chrono::Utc::now())).unwrap();
        let mut sent_fields: Vec<&String> = sent.as_object().unwrap().keys().collect();
        let mut documented: Vec<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        sent_fields.sort();
        documented.sort();
        required.sort_unstable();
        assert_eq!(sent_fields, documented);
        assert_eq!(
            sent_fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            required
        );
    }
}
