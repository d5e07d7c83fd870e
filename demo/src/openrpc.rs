//! The OpenRPC 1.2.6 document of the instance (`GET /openrpc.json`, `rpc.discover`).

use serde_json::{Value, json};

use crate::service::Service;

/// The methods `POST /rpc` answers, in the order the document lists them.
pub const METHODS: [&str; 5] = [
    "rpc.discover",
    "rpc.health",
    "demo.echo",
    "demo.env",
    "demo.info",
];

/// The OpenRPC document describing `service`.
pub fn document(service: &Service) -> Value {
    let object = json!({ "type": "object" });
    json!({
        "openrpc": "1.2.6",
        "info": {
            "title": service.title(),
            "version": service.version,
            "description": service.description(),
        },
        "servers": [{ "name": "rpc", "url": "unix:rpc.sock" }],
        "methods": [
            {
                "name": "rpc.discover",
                "summary": "This OpenRPC document.",
                "params": [],
                "result": { "name": "document", "schema": object },
            },
            {
                "name": "rpc.health",
                "summary": "The health of the instance, as GET /health reports it.",
                "params": [],
                "result": {
                    "name": "health",
                    "schema": {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": { "type": "string", "enum": ["starting", "ok", "unhealthy"] },
                            "name": { "type": "string" },
                            "version": { "type": "string" },
                            "pid": { "type": "integer" },
                            "uptime_ms": { "type": "integer" },
                        },
                    },
                },
            },
            {
                "name": "demo.echo",
                "summary": "Returns its params unchanged.",
                "paramStructure": "either",
                "params": [{ "name": "value", "schema": {} }],
                "result": { "name": "params", "schema": {} },
            },
            {
                "name": "demo.env",
                "summary": "The environment of the process, as an object of strings.",
                "params": [],
                "result": {
                    "name": "env",
                    "schema": { "type": "object", "additionalProperties": { "type": "string" } },
                },
            },
            {
                "name": "demo.info",
                "summary": "Name, version, pid, parent pid, arguments and working directory.",
                "params": [],
                "result": {
                    "name": "info",
                    "schema": {
                        "type": "object",
                        "required": ["name", "version", "pid", "ppid", "args"],
                        "properties": {
                            "name": { "type": "string" },
                            "version": { "type": "string" },
                            "pid": { "type": "integer" },
                            "ppid": { "type": "integer" },
                            "args": { "type": "array", "items": { "type": "string" } },
                            "cwd": { "type": ["string", "null"] },
                            "uptime_ms": { "type": "integer" },
                        },
                    },
                },
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::options::{Command, parse};

    #[test]
    fn lists_exactly_the_served_methods() {
        let Ok(Command::Run(options)) = parse(Vec::new(), None) else {
            panic!("defaults must parse");
        };
        let doc = document(&Service::new(&options, Instant::now()));
        let names: Vec<&str> = doc["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, METHODS);
        assert_eq!(doc["openrpc"], "1.2.6");
    }
}
