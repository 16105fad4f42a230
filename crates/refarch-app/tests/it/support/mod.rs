//! Reading a synthesized assembly the way CloudFormation would: resources by logical id across
//! stacks, with `Ref` and `Fn::ImportValue` followed to the resource they name.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// A resource of some stack: `(stack, logical id)`.
pub type ResKey = (String, String);

/// All templates of an assembly, with the export table.
pub struct Model {
    /// Resources by (stack, logical id).
    pub resources: BTreeMap<ResKey, Json>,
    /// Export name → (producer stack, exported value).
    pub exports: BTreeMap<String, (String, Json)>,
}

impl Model {
    /// Indexes an assembly.
    pub fn new(assembly: &synth::Assembly) -> Self {
        let mut resources = BTreeMap::new();
        let mut exports = BTreeMap::new();
        for s in &assembly.stacks {
            if let Some(res) = s.template["Resources"].as_object() {
                for (id, r) in res {
                    resources.insert((s.name.clone(), id.clone()), r.clone());
                }
            }
            if let Some(outs) = s.template["Outputs"].as_object() {
                for o in outs.values() {
                    if let Some(name) = o["Export"]["Name"].as_str() {
                        exports.insert(name.to_owned(), (s.name.clone(), o["Value"].clone()));
                    }
                }
            }
        }
        Model { resources, exports }
    }

    /// The resource a value in `stack` designates through `Ref`, `Fn::GetAtt` or an import.
    pub fn target(&self, stack: &str, value: &Json) -> Option<ResKey> {
        if let Some(id) = value.get("Ref").and_then(Json::as_str) {
            return Some((stack.to_owned(), id.to_owned()));
        }
        if let Some(id) = value
            .get("Fn::GetAtt")
            .and_then(|a| a.get(0))
            .and_then(Json::as_str)
        {
            return Some((stack.to_owned(), id.to_owned()));
        }
        if let Some(name) = value.get("Fn::ImportValue").and_then(Json::as_str) {
            let (producer, v) = self.exports.get(name)?;
            return self.target(producer, v);
        }
        None
    }

    /// Every resource of a type, as (key, resource).
    pub fn of_type<'m>(
        &'m self,
        type_name: &'m str,
    ) -> impl Iterator<Item = (&'m ResKey, &'m Json)> + 'm {
        self.resources
            .iter()
            .filter(move |(_, r)| r["Type"] == type_name)
    }

    /// The construct path of a resource.
    pub fn path(&self, key: &ResKey) -> String {
        self.resources
            .get(key)
            .and_then(|r| r["Metadata"]["construct:path"].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    /// The subnet tier tag (`public`, `private`, `isolated`) of a subnet resource.
    pub fn subnet_tier(&self, key: &ResKey) -> Option<String> {
        let r = self.resources.get(key)?;
        r["Properties"]["Tags"]
            .as_array()?
            .iter()
            .find(|t| t["Key"] == "subnet-tier")
            .and_then(|t| t["Value"].as_str())
            .map(str::to_owned)
    }

    /// The route table associated with a subnet.
    pub fn route_table_of(&self, subnet: &ResKey) -> Option<ResKey> {
        self.of_type("AWS::EC2::SubnetRouteTableAssociation")
            .find(|(k, r)| self.target(&k.0, &r["Properties"]["SubnetId"]).as_ref() == Some(subnet))
            .and_then(|(k, r)| self.target(&k.0, &r["Properties"]["RouteTableId"]))
    }

    /// Routes in a route table.
    pub fn routes_of(&self, table: &ResKey) -> Vec<&Json> {
        self.of_type("AWS::EC2::Route")
            .filter(|(k, r)| {
                self.target(&k.0, &r["Properties"]["RouteTableId"]).as_ref() == Some(table)
            })
            .map(|(_, r)| r)
            .collect()
    }
}

/// Ingress rules of every security group: (group, rule properties), standalone and inline.
pub fn ingress_rules(m: &Model) -> Vec<(ResKey, Json)> {
    let mut out = Vec::new();
    for (k, r) in m.of_type("AWS::EC2::SecurityGroupIngress") {
        if let Some(group) = m.target(&k.0, &r["Properties"]["GroupId"]) {
            out.push((group, r["Properties"].clone()));
        }
    }
    for (k, r) in m.of_type("AWS::EC2::SecurityGroup") {
        if let Some(rules) = r["Properties"]["SecurityGroupIngress"].as_array() {
            for rule in rules {
                out.push((k.clone(), rule.clone()));
            }
        }
    }
    out
}
