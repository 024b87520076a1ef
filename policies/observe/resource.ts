/** What the observers need of a resource: its type token, name and inputs (as policies see them). */
export interface ObservedResource {
  type: string;
  name: string;
  urn?: string;
  inputs: Record<string, any>;
}

export function ofType(resources: ObservedResource[], type: string): ObservedResource[] {
  return resources.filter((r) => r.type === type);
}
