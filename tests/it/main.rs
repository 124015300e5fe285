//! kina's one integration test binary: every test drives the real `kina`
//! binary (or the fake `container`) as a user would.

mod addons;
mod bounds;
mod completion;
mod create;
mod delete;
mod dns_responder;
mod docs;
mod doctor;
mod failures;
mod fake_concurrency;
mod fake_container;
mod fake_node_strict;
mod fixed_addresses;
mod get;
mod http_mirror;
mod image_archives;
mod kina_lb_kubectl;
mod kubeconfig_file;
mod kubectl;
mod lifecycle;
mod load;
mod logs;
mod multinode;
mod names;
mod node_image;
mod output_formats;
mod ports;
mod preflight;
mod registry;
mod releases;
mod snapshots;
mod status_lines;
mod support;
