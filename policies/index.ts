import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./pack";

// Constructing the pack starts the analyzer gRPC server and prints its port (the CLI reads it).
new PolicyPack(PACK_NAME, { policies, enforcementLevel: "mandatory" });
