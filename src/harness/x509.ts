/**
 * The one module that loads @peculiar/x509. Its decorators need `reflect-metadata` loaded first
 * and exactly once, so every user of @peculiar/x509 imports it through here.
 */
import 'reflect-metadata';
export * from '@peculiar/x509';
