//! The keys the service filled in on a PUT (docs/behaviour.md#offer-document): a
//! virtual-machine offer read back after a PUT carried about twenty offer keys and fifteen
//! plan keys the PUT had not sent, with these values (az-partner-center-cli's recorded PUT and
//! GET, 2022; tests/recorded/). A key the client sent is never changed.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

/// The offer type whose defaults were recorded.
const VIRTUAL_MACHINES: &str = "microsoft-azure-virtualmachines";

/// Fills the keys the client left out of `body` (a document without its server-owned keys)
/// with the service's defaults, for the offer types whose defaults were recorded.
pub(crate) fn fill(offer_type_id: &str, body: &mut Map<String, Value>) {
    if offer_type_id != VIRTUAL_MACHINES {
        return;
    }
    let Some(Value::Object(definition)) = body.get_mut("definition") else {
        return;
    };
    if let Some(Value::Object(offer)) = definition.get_mut("offer") {
        add_missing(offer, &OFFER_DEFAULTS);
    }
    if let Some(Value::Array(plans)) = definition.get_mut("plans") {
        for plan in plans.iter_mut().filter_map(Value::as_object_mut) {
            if !plan.contains_key(LEGACY_PLAN_ID) {
                let plan_id = plan.get("planId").cloned().unwrap_or(Value::Null);
                plan.insert(LEGACY_PLAN_ID.to_owned(), plan_id);
            }
            add_missing(plan, &PLAN_DEFAULTS);
        }
    }
}

fn add_missing(into: &mut Map<String, Value>, defaults: &Map<String, Value>) {
    for (key, value) in defaults {
        if !into.contains_key(key) {
            into.insert(key.clone(), value.clone());
        }
    }
}

/// A plan's legacy id: its own id unless the client said otherwise.
const LEGACY_PLAN_ID: &str = "microsoft-azure-virtualmachines.legacyPlanId";

static OFFER_DEFAULTS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    object(json!({
            "microsoft-azure-marketplace.blobLeadConfiguration": {},
            "microsoft-azure-marketplace.crmLeadConfiguration": {},
            "microsoft-azure-marketplace.httpsEndpointLeadConfiguration": {},
            "microsoft-azure-marketplace.marketoLeadConfiguration": {},
            "microsoft-azure-marketplace.salesForceLeadConfiguration": {},
            "microsoft-azure-marketplace.tableLeadConfiguration": {},
            "microsoft-azure-marketplace.leadNotificationEmails": "",
            "microsoft-azure-marketplace-testdrive.enabled": false,
            "microsoft-azure-marketplace.useEnterpriseContract": false,
            "microsoft-azure-marketplace.universalAmendmentTerms": "",
            "microsoft-azure-marketplace.customAmendments": null,
            "microsoft-azure-marketplace.categories": [],
            "microsoft-azure-marketplace-testdrive.description": null,
            "microsoft-azure-marketplace-testdrive.accessInformation": null,
            "microsoft-azure-marketplace-testdrive.videos": [],
            "microsoft-azure-marketplace-testdrive.userManual": "",
            "microsoft-azure-virtualmachines.managerContactName": "",
            "microsoft-azure-virtualmachines.managerContactEmail": "",
            "microsoft-azure-virtualmachines.managerContactPhone": "",
            "microsoft-azure-virtualmachines.gtmMaterials": ""
    }))
});

/// A plan's defaults, its legacy plan id aside.
static PLAN_DEFAULTS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    object(json!({
            "microsoft-azure-virtualmachines.certificationsFairfax": [],
            "microsoft-azure-virtualmachines.supportsAcceleratedNetworking": false,
            "microsoft-azure-virtualmachines.supportsCloudInit": false,
            "microsoft-azure-virtualmachines.supportsBackup": false,
            "microsoft-azure-virtualmachines.isNetworkVirtualAppliance": false,
            "microsoft-azure-virtualmachines.isLockedDown": false,
            "microsoft-azure-virtualmachines.isCustomArmTemplateRequired": false,
            "microsoft-azure-virtualmachines.supportsExtensions": true,
            "microsoft-azure-virtualmachines.supportsHibernation": false,
            "microsoft-azure-virtualmachines.supportsNVMe": false,
            "microsoft-azure-virtualmachines.generation": "1",
            "microsoft-azure-virtualmachines.allowOnlyManagedDiskDeployments": true,
            "microsoft-azure-virtualmachines.patchOptions": { "supportsHotpatch": false }
    }))
});

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_machine_offer_gets_what_it_left_out_and_keeps_what_it_sent() {
        let mut body = json!({"definition": {
            "offer": {"microsoft-azure-marketplace.useEnterpriseContract": true},
            "plans": [{"planId": "p1", "microsoft-azure-virtualmachines.generation": "2"}]
        }});
        let Value::Object(map) = &mut body else {
            unreachable!()
        };
        fill(VIRTUAL_MACHINES, map);

        let offer = &body["definition"]["offer"];
        assert_eq!(
            offer["microsoft-azure-marketplace.useEnterpriseContract"],
            true
        );
        assert_eq!(
            offer["microsoft-azure-marketplace.universalAmendmentTerms"],
            ""
        );
        assert!(offer["microsoft-azure-marketplace.customAmendments"].is_null());
        assert_eq!(offer.as_object().map(Map::len), Some(20));
        let plan = &body["definition"]["plans"][0];
        assert_eq!(plan["microsoft-azure-virtualmachines.generation"], "2");
        assert_eq!(plan["microsoft-azure-virtualmachines.legacyPlanId"], "p1");
        assert_eq!(plan.as_object().map(Map::len), Some(15));
    }

    #[test]
    fn other_offer_types_are_left_as_sent() {
        let mut map = Map::new();
        map.insert("definition".to_owned(), json!({"offer": {}, "plans": [{}]}));
        let before = map.clone();
        fill("microsoft-azure-corevm", &mut map);
        assert_eq!(map, before);
    }
}
