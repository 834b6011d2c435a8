/**
 * The parts of webpack's API the plugin's bundler hooks use (bundle-latin1.ts, bundle-source-map.ts),
 * typed here rather than imported: webpack is the SDK's dependency, never one of ours.
 */
import type { BundleOptions } from '@temporalio/worker';

export type WebpackConfigHook = NonNullable<BundleOptions['webpackConfigHook']>;
type WebpackConfig = Parameters<WebpackConfigHook>[0];
export type WebpackPlugin = NonNullable<WebpackConfig['plugins']>[number];

export interface Compiler {
  readonly webpack: {
    readonly Compilation: { readonly PROCESS_ASSETS_STAGE_OPTIMIZE: number; readonly PROCESS_ASSETS_STAGE_DEV_TOOLING: number };
    readonly sources: {
      readonly ReplaceSource: new (source: unknown) => { replace(start: number, end: number, value: string): void };
      readonly RawSource: new (source: string) => unknown;
    };
  };
  readonly hooks: { readonly thisCompilation: { tap(name: string, fn: (compilation: Compilation) => void): void } };
}

export interface Compilation {
  readonly hooks: { readonly processAssets: { tap(options: { name: string; stage: number }, fn: (assets: Record<string, unknown>) => void): void } };
  getAsset(name: string): { readonly source: { source(): string | Buffer } } | undefined;
  updateAsset(name: string, source: unknown): void;
}

/** A webpack hook that adds `plugin` to the configuration, then runs `next` (if any) on the result. */
export function withWebpackPlugin(plugin: object, next: WebpackConfigHook | undefined): WebpackConfigHook {
  return (config) => {
    const withPlugin = { ...config, plugins: [...(config.plugins ?? []), plugin as WebpackPlugin] };
    return next ? next(withPlugin) : withPlugin;
  };
}
