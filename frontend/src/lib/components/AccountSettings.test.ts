import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SettingsScreen from './SettingsScreen.svelte';
import { createApi, type Account } from '../backend';
import { AppState } from '../state/app.svelte';
import { account, settings, status } from '../../test/fixtures';
import { FakeTransport, settle } from '../../test/fakeTransport';
import WithApp from '../../test/WithApp.svelte';

describe('Account settings', () => {
  it('configures the provider, splitting the scopes', async () => {
    const t = new FakeTransport().on('auth.configure', (a) => account({ config: a as never }));
    const app = new AppState(createApi(t));
    await renderWithApp(t, app, account({ state: 'unconfigured', config: { issuer: '', clientId: '', scopes: [] } }));
    await fireEvent.input(screen.getByTestId('auth-issuer'), { target: { value: ' https://id.example.com ' } });
    await fireEvent.input(screen.getByTestId('auth-client-id'), { target: { value: 'desktop' } });
    await fireEvent.input(screen.getByTestId('auth-scopes'), { target: { value: 'openid, email  offline_access' } });
    await fireEvent.click(screen.getByTestId('auth-save'));
    await settle();
    expect(t.callsOf('auth.configure')[0]?.args).toEqual({
      issuer: 'https://id.example.com',
      clientId: 'desktop',
      scopes: ['openid', 'email', 'offline_access'],
    });
    expect(screen.getByTestId('account').dataset.state).toBe('signedOut');
  });

  it('offers the sign-in page itself when the desktop could not open a browser', async () => {
    const t = new FakeTransport().on('auth.signIn', () => ({
      account: account({ state: 'signingIn', pending: { method: 'browser', expiresAt: '' } }),
      authUrl: 'https://id.example.com/authorize?x=1',
      browserOpened: false,
    }));
    const app = new AppState(createApi(t));
    await renderWithApp(t, app, account());
    await fireEvent.click(screen.getByTestId('sign-in'));
    await settle();
    expect(screen.getByTestId('auth-url').getAttribute('href')).toBe('https://id.example.com/authorize?x=1');
    expect(screen.getByTestId('sign-in-cancel')).toBeTruthy();
  });

  it('shows the device code to enter, and who is signed in once done', async () => {
    const t = new FakeTransport().on('auth.signInDevice', () =>
      account({
        state: 'signingIn',
        pending: { method: 'device', expiresAt: '', userCode: 'WDJB-MJHT', verificationUri: 'https://id.example.com/device' },
      }),
    );
    const app = new AppState(createApi(t));
    await renderWithApp(t, app, account());
    await fireEvent.click(screen.getByTestId('sign-in-device'));
    await settle();
    expect(screen.getByTestId('device-code').textContent).toBe('WDJB-MJHT');

    t.emit({
      seq: 1,
      name: 'account.changed',
      data: account({ state: 'signedIn', remembered: true, profile: { subject: 's', name: 'Ada Lovelace' } }),
    });
    await settle();
    expect(screen.getByTestId('account-name').textContent).toBe('Ada Lovelace');
  });

  it('shows the picture the desktop fetched, initials without one, and when a sign-in ends', async () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const t = new FakeTransport().on('auth.picture', () => ({ dataUrl: png }));
    const app = new AppState(createApi(t));
    await renderWithApp(
      t,
      app,
      account({
        state: 'signedIn',
        remembered: true,
        endsAt: '2030-01-02T03:04:05Z',
        profile: { subject: 's', name: 'Ada Lovelace', email: 'ada@example.com', picture: 'https://img.example.com/ada.png' },
      }),
    );
    await settle();
    expect(screen.getByTestId('account-picture').getAttribute('src')).toBe(png);
    expect(screen.getByTestId('account-ends').textContent).toContain('sign in again');

    // A picture that cannot be fetched, or is not a data: image, shows the initials instead.
    t.on('auth.picture', () => ({ dataUrl: 'https://img.example.com/other.png' }));
    t.emit({
      seq: 1,
      name: 'account.changed',
      data: account({ state: 'signedIn', profile: { subject: 's', name: 'Ada Lovelace', picture: 'https://img.example.com/other.png' } }),
    });
    await settle();
    expect(screen.queryByTestId('account-picture')).toBeNull();
    expect(screen.getByTestId('account-initials').textContent).toBe('AL');
  });

  it('says why a saved sign-in could not be read', async () => {
    const t = new FakeTransport();
    const app = new AppState(createApi(t));
    await renderWithApp(
      t,
      app,
      account({
        keyring: { code: 'keyring_locked', message: 'The keyring is locked, so your sign-in could not be read.', hint: 'Unlock your keyring.' },
      }),
    );
    expect(screen.getByTestId('account-keyring').textContent).toContain('keyring is locked');
  });

  it('never turns a provider address that is not http(s) into a link', async () => {
    const t = new FakeTransport();
    const app = new AppState(createApi(t));
    await renderWithApp(
      t,
      app,
      account({
        state: 'signingIn',
        pending: { method: 'device', expiresAt: '', userCode: 'X', verificationUri: 'javascript:alert(1)' },
      }),
    );
    expect(document.querySelector('a[href^="javascript"]')).toBeNull();
  });
});

/** Renders the Settings screen over `app`, whose backend reports `acc` as the account. */
async function renderWithApp(t: FakeTransport, app: AppState, acc: Account) {
  t.on('conversations.list', () => ({ conversations: [] }))
    .on('settings.get', () => settings())
    .on('status.get', () => status())
    .on('models.list', () => ({ models: [] }))
    .on('auth.get', () => acc);
  app.start();
  await settle();
  render(WithApp, { props: { app, view: SettingsScreen } });
}
