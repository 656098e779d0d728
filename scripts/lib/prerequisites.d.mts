export interface Prerequisite {
  package: string;
  why: string;
  check: { binary?: string; python?: string };
}
export const PYTHON: string;
export const PREREQUISITES: Prerequisite[];
export function detectMissing(options?: { list?: Prerequisite[]; python?: string; pretend?: string }): Prerequisite[];
export function detectPrivileges(): { isRoot: boolean; hasSudo: boolean; hasApt: boolean };
export function plan(input: { missing: string[]; isRoot: boolean; hasSudo: boolean; hasApt: boolean }): {
  action: "none" | "install" | "stop";
  commands: string[][];
  message?: string;
};
