"""Initial booking schema: catalogue, holds, appointments and the occupancy grid.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('booking_locations',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('district', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('counters', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('counters > 0', name=op.f('ck_booking_locations_counters_positive')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_booking_locations'))
    )
    op.create_table('booking_services',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('fee', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_booking_services_duration_positive')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_booking_services'))
    )
    op.create_table('booking_appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=7), nullable=False),
    sa.Column('location_key', sa.String(length=40), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name=op.f('ck_booking_appointments_cancelled_when')),
    sa.CheckConstraint("status IN ('confirmed', 'cancelled')", name=op.f('ck_booking_appointments_status_known')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_booking_appointments_ends_after_start')),
    sa.CheckConstraint('persons >= 1', name=op.f('ck_booking_appointments_persons_positive')),
    sa.ForeignKeyConstraint(['location_key'], ['booking_locations.key'], name=op.f('fk_booking_appointments_location_key_booking_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_appointments')),
    sa.UniqueConstraint('code', name=op.f('uq_booking_appointments_code'))
    )
    with op.batch_alter_table('booking_appointments', schema=None) as batch_op:
        batch_op.create_index('ix_booking_appointments_phone_start', ['phone', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_appointments_start_at'), ['start_at'], unique=False)

    op.create_table('booking_holds',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('location_key', sa.String(length=40), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_keys', sa.String(length=400), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('counter >= 1', name=op.f('ck_booking_holds_counter_positive')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_booking_holds_ends_after_start')),
    sa.CheckConstraint('persons >= 1', name=op.f('ck_booking_holds_persons_positive')),
    sa.ForeignKeyConstraint(['location_key'], ['booking_locations.key'], name=op.f('fk_booking_holds_location_key_booking_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_holds'))
    )
    with op.batch_alter_table('booking_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_holds_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_holds_expires_at'), ['expires_at'], unique=False)

    op.create_table('booking_appointment_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location_key', sa.String(length=40), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.CheckConstraint("action IN ('booked', 'rescheduled', 'cancelled')", name=op.f('ck_booking_appointment_history_action_known')),
    sa.ForeignKeyConstraint(['appointment_id'], ['booking_appointments.id'], name=op.f('fk_booking_appointment_history_appointment_id_booking_appointments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_appointment_history'))
    )
    with op.batch_alter_table('booking_appointment_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_appointment_history_appointment_id'), ['appointment_id'], unique=False)

    op.create_table('booking_appointment_services',
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('service_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['booking_appointments.id'], name=op.f('fk_booking_appointment_services_appointment_id_booking_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_key'], ['booking_services.key'], name=op.f('fk_booking_appointment_services_service_key_booking_services')),
    sa.PrimaryKeyConstraint('appointment_id', 'position', name=op.f('pk_booking_appointment_services'))
    )
    with op.batch_alter_table('booking_appointment_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_appointment_services_service_key'), ['service_key'], unique=False)

    op.create_table('booking_occupancy',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_key', sa.String(length=40), nullable=False),
    sa.Column('unit', sa.BigInteger(), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('hold_id', sa.String(length=32), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(hold_id IS NULL) <> (appointment_id IS NULL)', name=op.f('ck_booking_occupancy_one_owner')),
    sa.CheckConstraint('(hold_id IS NULL) = (expires_at IS NULL)', name=op.f('ck_booking_occupancy_expiry_with_hold')),
    sa.CheckConstraint('counter >= 1', name=op.f('ck_booking_occupancy_counter_positive')),
    sa.ForeignKeyConstraint(['appointment_id'], ['booking_appointments.id'], name=op.f('fk_booking_occupancy_appointment_id_booking_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hold_id'], ['booking_holds.id'], name=op.f('fk_booking_occupancy_hold_id_booking_holds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_key'], ['booking_locations.key'], name=op.f('fk_booking_occupancy_location_key_booking_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_occupancy')),
    sa.UniqueConstraint('location_key', 'unit', 'counter', name='uq_booking_occupancy_cell')
    )
    with op.batch_alter_table('booking_occupancy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_occupancy_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_occupancy_hold_id'), ['hold_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('booking_occupancy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_occupancy_hold_id'))
        batch_op.drop_index(batch_op.f('ix_booking_occupancy_appointment_id'))

    op.drop_table('booking_occupancy')
    with op.batch_alter_table('booking_appointment_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_appointment_services_service_key'))

    op.drop_table('booking_appointment_services')
    with op.batch_alter_table('booking_appointment_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_appointment_history_appointment_id'))

    op.drop_table('booking_appointment_history')
    with op.batch_alter_table('booking_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_holds_expires_at'))
        batch_op.drop_index(batch_op.f('ix_booking_holds_conversation_id'))

    op.drop_table('booking_holds')
    with op.batch_alter_table('booking_appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_appointments_start_at'))
        batch_op.drop_index('ix_booking_appointments_phone_start')

    op.drop_table('booking_appointments')
    op.drop_table('booking_services')
    op.drop_table('booking_locations')
