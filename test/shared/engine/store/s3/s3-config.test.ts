/** Parsing `s3://bucket/prefix` and CTXPACK_S3_* (no server needed). */
import { describe, expect, it } from 'vitest';
import { PackSchemaInvalid } from '../../../../../shared/core/errors.js';
import { parseS3Spec, s3StoreFromSpec } from '../../../../../shared/engine/store/s3-config.js';
import { S3PackStore } from '../../../../../shared/engine/store/s3-store.js';

function thrown(fn: () => unknown): PackSchemaInvalid {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PackSchemaInvalid);
    return err as PackSchemaInvalid;
  }
  throw new Error('expected PackSchemaInvalid');
}

describe('parseS3Spec', () => {
  it('reads bucket and prefix, with AWS defaults when no endpoint is set', () => {
    expect(parseS3Spec('s3://packs', {})).toEqual({ bucket: 'packs', prefix: '', region: 'us-east-1', forcePathStyle: false });
    expect(parseS3Spec('s3://packs/', {})).toMatchObject({ bucket: 'packs', prefix: '' });
    expect(parseS3Spec('S3://my.packs-1/team/ctx/', {})).toMatchObject({ bucket: 'my.packs-1', prefix: 'team/ctx' });
  });

  it('takes endpoint, region and path style from the environment; path style defaults on with an endpoint', () => {
    const env = { CTXPACK_S3_ENDPOINT: 'http://127.0.0.1:9000/', CTXPACK_S3_REGION: 'eu-west-3' };
    expect(parseS3Spec('s3://b-1/p', env)).toEqual({
      bucket: 'b-1',
      prefix: 'p',
      region: 'eu-west-3',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(parseS3Spec('s3://b-1', { ...env, CTXPACK_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle).toBe(false);
    expect(parseS3Spec('s3://b-1', { CTXPACK_S3_FORCE_PATH_STYLE: 'yes' }).forcePathStyle).toBe(true);
    expect(parseS3Spec('s3://b-1', { CTXPACK_S3_REGION: '' }).region).toBe('us-east-1');
  });

  it('refuses credentials in the URL or the endpoint without repeating them', () => {
    for (const spec of ['s3://AKIAEXAMPLE:hunter2@packs/prefix', 's3://hunter2@packs']) {
      const err = thrown(() => parseS3Spec(spec, {}, 'CTXPACK_STORE'));
      expect(err.message).toMatch(/^CTXPACK_STORE: .*must not contain credentials/);
      expect(`${err.message} ${err.fix} ${JSON.stringify(err.details)}`).not.toMatch(/hunter2|AKIAEXAMPLE/);
    }
    const err = thrown(() => parseS3Spec('s3://packs', { CTXPACK_S3_ENDPOINT: 'http://minio:hunter2@127.0.0.1:9000' }));
    expect(err.message).toMatch(/CTXPACK_S3_ENDPOINT must not contain credentials/);
    expect(`${err.message} ${err.fix}`).not.toContain('hunter2');
  });

  it('refuses malformed buckets, prefixes and settings', () => {
    for (const spec of ['s3://', 's3:///prefix', 's3://ab', 's3://UPPER', 's3://-dash', 's3://a..b', 's3://192.168.1.1', `s3://${'a'.repeat(64)}`, 's3://under_score', 's3://b?versionId=1', 's3://b#x']) {
      thrown(() => parseS3Spec(spec, {}));
    }
    for (const spec of ['s3://packs/a//b', 's3://packs/a/../b', 's3://packs/./b', 's3://packs/with space', 's3://packs/a\\b', 's3://packs/ümlaut']) {
      thrown(() => parseS3Spec(spec, {}));
    }
    thrown(() => parseS3Spec('s3://packs', { CTXPACK_S3_ENDPOINT: 'not a url' }));
    thrown(() => parseS3Spec('s3://packs', { CTXPACK_S3_ENDPOINT: 'ftp://127.0.0.1' }));
    thrown(() => parseS3Spec('s3://packs', { CTXPACK_S3_REGION: 'US East' }));
    thrown(() => parseS3Spec('s3://packs', { CTXPACK_S3_FORCE_PATH_STYLE: 'maybe' }));
    thrown(() => parseS3Spec('https://packs', {}));
  });
});

describe('s3StoreFromSpec', () => {
  it('builds an S3PackStore without contacting anything', () => {
    const store = s3StoreFromSpec('s3://packs/team', { CTXPACK_S3_ENDPOINT: 'http://127.0.0.1:1' });
    expect(store).toBeInstanceOf(S3PackStore);
    expect(store.kind).toBe('s3');
    expect(store.describe()).toBe('s3://packs/team');
    expect(store.refFor(`sha256:${'a'.repeat(64)}`)).toEqual({ store: 's3', key: `sha256/${'a'.repeat(64)}` });
  });

  it('the constructor validates too, for stores built directly', () => {
    expect(() => new S3PackStore({ bucket: 'Bad_Bucket' })).toThrow(PackSchemaInvalid);
    expect(() => new S3PackStore({ bucket: 'packs', prefix: 'a/../b' })).toThrow(PackSchemaInvalid);
    expect(new S3PackStore({ bucket: 'packs', prefix: '/a/b/' }).prefix).toBe('a/b');
  });
});
