import { profileConnection } from './profile-connection';

describe(profileConnection.name, () => {
  const us = { nominalVoltageV: 120, lineToLineVoltageV: null };

  it('offers an EV wired line to line one phase at V_ll, √3 × V_pn unless the site names it', () => {
    expect(profileConnection({ phases: 2, lineToLine: 'AB' }, us)).toEqual({
      phases: 1,
      profileVoltageV: 120 * Math.sqrt(3),
    });
    expect(profileConnection({ phases: 2, lineToLine: 'CA' }, { ...us, lineToLineVoltageV: 240 })).toEqual({
      phases: 1,
      profileVoltageV: 240,
    });
  });

  it('offers a connector loaded to neutral its phases at V_pn, all three for an unknown count', () => {
    expect(profileConnection({ phases: 2, lineToLine: null }, us)).toEqual({
      phases: 2,
      profileVoltageV: 120,
    });
    expect(profileConnection({ phases: 1, lineToLine: null }, us)).toEqual({
      phases: 1,
      profileVoltageV: 120,
    });
    expect(profileConnection({ phases: 4, lineToLine: null }, us)).toEqual({
      phases: 3,
      profileVoltageV: 120,
    });
  });
});
