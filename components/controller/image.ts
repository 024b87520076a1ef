import { version } from "../../package.json";

/** The image runbooks/Containerfile builds (`podman build -f runbooks/Containerfile -t <this> .`), tagged with the package version. */
export const CONTROLLER_IMAGE = `ghcr.io/agent-dr/runbooks:${version}`;
