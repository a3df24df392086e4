//! newswire's shared library: the article model, configuration, logging, the
//! admin server, metrics, graceful shutdown, and the one Kafka
//! consume → process → produce runtime that every stage reuses.

pub mod admin_server;
pub mod article;
pub mod bearer;
pub mod changelog;
pub mod clock;
pub mod config;
pub mod dev_data;
pub mod enrichment;
pub mod events;
pub mod golden;
pub mod http_hints;
pub mod ids;
pub mod kafka;
pub mod metrics;
pub mod newsml_1_id;
pub mod ninjs_ids;
pub mod records;
pub mod reload;
pub mod service;
pub mod shutdown;
pub mod staging;
pub mod state;
pub mod supervise;
pub mod stage;
pub mod story;
pub mod telemetry;
