export function isolatedWranglerConfig(root: string, outDir?: string): string;
