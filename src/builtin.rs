//! The built-in workbench: every model the `currents` binary drives, each with its
//! registry and checks. The one place outside a model's wing that names the wings.

use crate::network;
use crate::registry::Registry;
use crate::v1::V1;
use crate::workbench::Workbench;

impl Workbench {
    /// The built-in models: V1 (the notebook, with its own laws, tapes and rule probes;
    /// the default a spec that names no model runs), then `network` (members paying each
    /// other one unit at a time, with its conservation laws and tapes of transfers; its
    /// users and `edge-list`, the graph of a file a spec names), then
    /// `network-one-sided` (the network with a deliberately broken transfer, checked by the
    /// same laws and tapes: a harness demonstration, as V1's `v1-strict`). With
    /// the `cli` feature, V1's report of a sweep (the notebook's questions) and the
    /// network's (questions 2 and 3 between high- and low-volume members) are registered.
    #[allow(clippy::let_and_return)] // (without the `cli` feature, the last `let` is gone)
    pub fn builtin() -> Self {
        #[cfg(feature = "harness")]
        let bench = {
            use crate::harness::ModelChecks;
            Workbench::new()
                .model_with_checks(Registry::<V1>::builtin(), crate::v1::harness::V1Checks)
                .model_with_checks::<network::Network>(
                    network::with_edge_list(network::registry()),
                    ModelChecks::new(network::NetworkLaws, network::LeavingTapes),
                )
                .model_with_checks::<network::OneSided>(
                    network::one_sided_registry(),
                    ModelChecks::new(network::NetworkLaws, network::NetworkTapes),
                )
        };
        #[cfg(not(feature = "harness"))]
        let bench = Workbench::new()
            .model(Registry::<V1>::builtin())
            .model(network::with_edge_list(network::registry()))
            .model(network::one_sided_registry());
        #[cfg(feature = "cli")]
        let bench = bench
            .sweep_report::<V1>(crate::v1::findings::report)
            .sweep_report::<network::Network>(network::findings::report);
        bench
    }
}
